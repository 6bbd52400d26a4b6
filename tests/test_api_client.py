"""The test/demo API client signs in again when its access token expires (test sessions and
demo runs outlive the 15-minute access tokens)."""
import http.server
import json
import threading

from api_client import ApiClient


class FakeApi(http.server.BaseHTTPRequestHandler):
    tokens = []

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        FakeApi.tokens.append(f"t{len(FakeApi.tokens)}")
        self._answer(200, {"access_token": FakeApi.tokens[-1]})

    def do_GET(self):
        if self.headers["Authorization"] == f"Bearer {FakeApi.tokens[-1]}" and len(FakeApi.tokens) > 1:
            self._answer(200, {"ok": True})
        else:
            self._answer(401, {"code": "authentication_failed", "message": "The access token has expired."})

    def log_message(self, *args):
        pass


def test_an_expired_token_is_renewed_once_and_the_call_resent():
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = ApiClient(f"http://127.0.0.1:{server.server_address[1]}").signed_in("an", "pw")
        assert client.get("/api/v1/x") == {"ok": True}  # first token "expired": signed in again
        assert client.session.get(f"{client.base_url}/api/v1/x").status_code == 200
        assert FakeApi.tokens == ["t0", "t1"]
    finally:
        server.shutdown()
        server.server_close()

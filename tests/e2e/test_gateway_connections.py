"""The gateway's HTTP connections (gateway/gunicorn_conf.py): an idle keep-alive connection stays
open longer than its clients keep one idle, so a request sent on a reused connection is answered,
not reset. gunicorn's default (2 s) reset a request of this suite sent 2 s after the previous
one (RemoteDisconnected)."""
import http.client
import time
from urllib.parse import urlsplit


def test_a_connection_idle_for_longer_than_gunicorns_default_keep_alive_is_still_answered(platform):
    address = urlsplit(platform.base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("GET", "/health")
        first = connection.getresponse()
        first.read()
        assert first.status == 200 and first.getheader("Connection", "").lower() != "close"
        socket_before = connection.sock
        time.sleep(3.5)  # longer than gunicorn's default keepalive (2 s)
        connection.request("GET", "/health")  # on the same socket: http.client reconnects only if closed
        again = connection.getresponse()
        again.read()
        assert again.status == 200
        assert connection.sock is socket_before  # the server kept it open
    finally:
        connection.close()

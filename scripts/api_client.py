"""A small HTTP client of the platform's API, used by the demo loader, tests and benchmarks."""
import requests


class ApiError(Exception):
    def __init__(self, response):
        self.status = response.status_code
        try:
            self.body = response.json()
        except ValueError:
            self.body = {"message": response.text}
        super().__init__(f"HTTP {self.status}: {self.body}")


class ApiClient:
    def __init__(self, base_url, token=None, timeout=15):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def response(self, method, path, **kwargs):
        """The response, whatever its status (an expired token is renewed by the session hook)."""
        return self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)

    def request(self, method, path, expect=(200, 201, 202), **kwargs):
        response = self.response(method, path, **kwargs)
        if response.status_code not in expect:
            raise ApiError(response)
        return response.json() if response.content else None

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def signed_in(self, username, password):
        """A client of that user. It signs in again when its access token has expired (a test
        session or a demo outlives the 15-minute tokens), also for calls made on ``session``."""
        client = ApiClient(self.base_url, self._access_token(username, password), self.timeout)
        client.session.hooks["response"].append(client._renew_expired(username, password))
        return client

    def _access_token(self, username, password):
        response = requests.post(f"{self.base_url}/api/v1/auth/token", timeout=self.timeout,
                                 json={"username": username, "password": password})
        if response.status_code != 200:
            raise ApiError(response)
        return response.json()["access_token"]

    def _renew_expired(self, username, password):
        def hook(response, **kwargs):
            if (response.status_code != 401 or "has expired" not in response.text
                    or getattr(response.request, "renewed", False)):
                return response
            self.session.headers["Authorization"] = f"Bearer {self._access_token(username, password)}"
            request = response.request.copy()
            request.headers["Authorization"] = self.session.headers["Authorization"]
            request.renewed = True
            return self.session.send(request, **kwargs)
        return hook

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
    def __init__(self, base_url, token=None, timeout=15, credentials=None):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout
        self.credentials = credentials  # (username, password) of a signed-in client
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, path, expect=(200, 201, 202), **kwargs):
        response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        if response.status_code == 401 and self.credentials and 401 not in expect and _expired(response):
            # Access tokens last 15 minutes; a test session or a demo load can last longer.
            self.session.headers["Authorization"] = f"Bearer {self._token(*self.credentials)}"
            response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        if response.status_code not in expect:
            raise ApiError(response)
        return response.json() if response.content else None

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def _token(self, username, password):
        return ApiClient(self.base_url, timeout=self.timeout).post(
            "/api/v1/auth/token", {"username": username, "password": password})["access_token"]

    def signed_in(self, username, password):
        """A client with an access token, signed in again when the token expires."""
        return ApiClient(self.base_url, self._token(username, password), self.timeout,
                         credentials=(username, password))


def _expired(response):
    try:
        return "expired" in response.json().get("message", "")
    except ValueError:
        return False

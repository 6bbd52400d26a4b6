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
        self._credentials = None  # (username, password) of a signed-in client
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def response(self, method, path, **kwargs):
        """The response, whatever its status. A client made by ``signed_in`` signs in again
        once when its access token expired (15 minutes; a long test session outlives it)."""
        response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        if response.status_code == 401 and self._credentials and "expired" in response.text:
            fresh = ApiClient(self.base_url, timeout=self.timeout).signed_in(*self._credentials)
            self.session.headers["Authorization"] = fresh.session.headers["Authorization"]
            response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        return response

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
        token = self.post("/api/v1/auth/token", {"username": username, "password": password})["access_token"]
        client = ApiClient(self.base_url, token, self.timeout)
        client._credentials = (username, password)
        return client

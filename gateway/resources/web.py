"""The web application's built assets (``web/dist``) served at ``/``.

A sink (not a route) so that every path the API does not own reaches it; ``/api/...``,
``/health``, ``/ready``, ``/metrics`` and the API documentation's ``/docs/`` assets are
excluded by the sink's pattern, so an unknown API path keeps its JSON 404. Paths that are not files get ``index.html`` (the single-page app routes them),
except under ``/assets/``, where a missing hashed file is a real 404.

Caching: Vite names the files under ``assets/`` by their content hash, so they are cached
for a year (``immutable``); ``index.html`` (which names the current hashes) is ``no-cache``.
Text assets are gzip-compressed once per file version and kept in memory (the set is small
and fixed per deployment).
"""
import gzip
import mimetypes
import threading
from pathlib import Path

import falcon

from ..errors import ApiError

SINK_PATTERN = r"^/(?!api(/|$)|docs/|health$|ready$|metrics$)"
HASHED_PREFIX = "assets/"
LONG_CACHE = "public, max-age=31536000, immutable"
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
TYPES = {".js": "application/javascript", ".mjs": "application/javascript", ".css": "text/css",
         ".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".woff2": "font/woff2", ".webm": "video/webm", ".ico": "image/x-icon", ".png": "image/png",
         ".webmanifest": "application/manifest+json"}


class WebApp:
    """Serves files of ``dist_dir`` (GET/HEAD), with the single-page app's fallback."""

    def __init__(self, dist_dir):
        self.root = Path(dist_dir).resolve()
        self._gzipped = {}
        self._lock = threading.Lock()

    def __call__(self, req, resp, **_):
        if req.method not in ("GET", "HEAD"):
            raise ApiError(falcon.HTTP_405, "method_not_allowed", "Only GET and HEAD are allowed here.")
        relative = req.path.lstrip("/")
        file = self._file(relative)
        if file is None:
            if relative.startswith(HASHED_PREFIX):
                raise ApiError(falcon.HTTP_404, "not_found", "No such file.")
            file = self._file("index.html")
            if file is None:
                raise ApiError(falcon.HTTP_404, "not_found",
                               "The web application is not built: run 'make run'.")
        self._send(req, resp, file)

    def _file(self, relative):
        if not relative:
            relative = "index.html"
        candidate = (self.root / relative).resolve()
        # Refuse anything outside dist (e.g. /..%2f..): resolve() has removed the dots.
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def _send(self, req, resp, file):
        content_type = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        resp.content_type = content_type
        is_hashed = file.relative_to(self.root).as_posix().startswith(HASHED_PREFIX)
        resp.cache_control = [LONG_CACHE] if is_hashed else ["no-cache"]
        resp.set_header("X-Content-Type-Options", "nosniff")
        data = file.read_bytes()
        if content_type.startswith(COMPRESSIBLE):
            resp.vary = ["Accept-Encoding"]
            if "gzip" in (req.get_header("Accept-Encoding") or ""):
                data = self._gzip(file, data)
                resp.set_header("Content-Encoding", "gzip")
        resp.data = data if req.method == "GET" else b""
        resp.content_length = len(data)

    def _gzip(self, file, data):
        key = (file, file.stat().st_mtime_ns)
        with self._lock:
            if key not in self._gzipped:
                self._gzipped[key] = gzip.compress(data, 9)
            return self._gzipped[key]


def add_routes(app, api, deps):
    app.add_sink(WebApp(deps.config.web_dist_dir), SINK_PATTERN)

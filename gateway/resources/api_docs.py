"""The OpenAPI document (``/api/v1/openapi.json``) and the interactive documentation (``/docs``).

Swagger UI's files come from the pinned ``swagger-ui-py`` package (no CDN). The page has no
inline script, so it works under a strict Content-Security-Policy.
"""
import json
import os
import threading

import falcon
import swagger_ui

from ..openapi import document
from ..openapi.operation import PUBLIC, operation

ASSETS = os.path.join(os.path.dirname(swagger_ui.__file__), "static")
PAGE = """<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>API v1 — Nền tảng đào tạo trực tuyến</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""
START = """window.onload = function () {
  window.ui = SwaggerUIBundle({url: %s, dom_id: "#swagger-ui", deepLinking: true,
                               persistAuthorization: false});
};
"""


class OpenApiDocument:
    """Built once, on first request, from the routes the app serves."""
    auth_required = False

    def __init__(self, routes):
        self.routes = routes
        self._text, self._lock = None, threading.Lock()

    @operation("This OpenAPI 3.1 document", PUBLIC, tags=("platform",))
    def on_get(self, req, resp):
        with self._lock:
            if self._text is None:
                self._text = json.dumps(document.build(self.routes), ensure_ascii=False)
        resp.content_type = falcon.MEDIA_JSON
        resp.text = self._text


class DocsPage:
    auth_required = False

    def __init__(self, spec_url):
        self.spec_url = spec_url

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = PAGE

    def on_get_start(self, req, resp):
        resp.content_type = falcon.MEDIA_JS
        resp.text = START % json.dumps(self.spec_url)


def add_routes(app, routes, spec_url):
    """The document is an API route (in the route table); the HTML page and its assets are not."""
    routes.add_route(spec_url, OpenApiDocument(routes.routes))
    page = DocsPage(spec_url)
    app.add_route("/docs", page)
    app.add_route("/docs/start.js", page, suffix="start")
    app.add_static_route("/docs/assets", ASSETS)

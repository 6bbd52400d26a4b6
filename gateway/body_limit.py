"""Refuses request bodies above the configured size before anything reads them.

Checked once the route is known: a resource may allow more with ``max_body_bytes``
(file uploads)."""
import falcon

from .errors import ApiError


class BodyLimitMiddleware:
    def __init__(self, max_bytes):
        self.max_bytes = max_bytes

    def process_resource(self, req, resp, resource, params):
        limit = (getattr(resource, "max_body_bytes", None) or getattr(req.context, "max_body_bytes", None)
                 or self.max_bytes)
        if req.content_length and req.content_length > limit:
            raise ApiError(falcon.HTTP_413, "payload_too_large",
                           f"The request body is larger than {limit} bytes.")

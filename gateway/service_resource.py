"""The base of every resource that adapts a service, and the one way to write a file download.

A resource is a thin HTTP adapter (Falcon's ``look`` style: its collaborators come through
the constructor, ``create_app(deps)`` builds it):

- the roles a responder allows are declared once, in its ``@operation``, which also checks
  them (openapi/operation.py);
- ``body`` reads the JSON body, loaded with a marshmallow schema when the gateway itself needs
  its fields (the service loads it again at its own boundary);
- ``call`` calls the service as the request's actor (``call_public`` for the public routes,
  whose service methods take no actor);
- errors are not caught here: a marshmallow ``ValidationError`` or a contract error the service
  raises is mapped to the common JSON body by errors.py, an outage to 503 by rpc.py;
- ``send_file`` writes a download once the call succeeded (an error still renders as JSON).
"""
import base64
import gzip

import falcon

from .errors import ApiError


class ServiceResource:
    service = None  # the nameko service this resource adapts ("accounts", "courses"...)

    def __init__(self, rpc):
        self.rpc = rpc

    def call(self, req, method, *args, service=None):
        """``method`` of the service (``service=`` names another one) as the request's actor."""
        return self.rpc.call(service or self.service, method, req.context.actor, *args)

    def call_public(self, method, *args, service=None):
        """A method of a public route: no actor (sign-in, the event catalog, a certificate check)."""
        return self.rpc.call(service or self.service, method, *args)

    @staticmethod
    def body(req, schema=None, optional=False):
        """The JSON body (``{}`` when ``optional`` and empty), loaded by ``schema`` if given."""
        media = req.get_media(default_when_empty={}) if optional else req.get_media()
        return schema.load(media or {}) if schema is not None else media

    @staticmethod
    def file_body(req, max_bytes, what="the file"):
        """A raw file body (an upload), refused when empty (422) or over ``max_bytes`` (413)."""
        content = req.bounded_stream.read(max_bytes + 1)
        if not content:
            raise ApiError(falcon.HTTP_422, "validation_failed", "The file is empty.",
                           {"file": [f"send {what} as the request body"]})
        if len(content) > max_bytes:
            raise ApiError(falcon.HTTP_413, "payload_too_large", f"The request body is larger than {max_bytes} bytes.")
        return content


def send_file(resp, content, media_type, filename, inline=False):
    """A file download: ``content`` is bytes, text, or an iterable of bytes (streamed); ``inline``
    lets the browser show it (a PDF in its viewer). Falcon writes the RFC 6266 names (an ASCII
    fallback plus the UTF-8 Vietnamese name)."""
    resp.content_type = media_type
    if inline:
        resp.viewable_as = filename
    else:
        resp.downloadable_as = filename
    if isinstance(content, bytes):
        resp.data = content
    elif isinstance(content, str):
        resp.text = content
    else:
        resp.stream = content


def send_base64_file(resp, encoded, media_type, filename):
    """A file a service answered base64-encoded (RPC bodies are JSON)."""
    send_file(resp, base64.b64decode(encoded), media_type, filename)


def send_json_text(req, resp, text=None, gzipped=None):
    """A JSON document the service stored as text, or gzipped (base64): sent as is, not decoded
    and re-encoded; the gzipped one as is to a client that accepts gzip."""
    resp.content_type = falcon.MEDIA_JSON
    if gzipped is None:
        resp.text = text
        return
    packed = base64.b64decode(gzipped)
    resp.vary = ("Accept-Encoding",)
    if "gzip" in (req.get_header("Accept-Encoding") or "").lower():
        resp.set_header("Content-Encoding", "gzip")
        resp.data = packed
    else:
        resp.data = gzip.decompress(packed)

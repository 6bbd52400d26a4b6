"""Security headers on every response (docs/security.md).

The Content-Security-Policy fits the web app as Vite builds it, served from this origin:
scripts, styles, fonts and API calls from 'self' only, no inline scripts and no eval, no
plugins, no framing; images may also be data: URLs (Vite inlines small assets that way).
The course player frames a lesson's PDF from a blob: URL (fetched with the learner's token)
and plays lesson videos from this origin or any https: host an author links to.
API answers and sign-in answers are never stored by browsers or proxies.
"""
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "frame-src 'self' blob:", "media-src 'self' https: blob:",
    "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"))

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    def __init__(self, api_prefix="/api/"):
        self.api_prefix = api_prefix

    def process_response(self, req, resp, resource, req_succeeded):
        for name, value in HEADERS.items():
            resp.set_header(name, value)
        if req.scheme == "https" or req.get_header("X-Forwarded-Proto") == "https":
            resp.set_header("Strict-Transport-Security", HSTS)
        if req.path.startswith(self.api_prefix) and not resp.get_header("Cache-Control"):
            # tokens, personal data and reports: nothing of the API belongs in a cache
            resp.set_header("Cache-Control", "no-store")

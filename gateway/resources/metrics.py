"""``GET /metrics``: the gateway's Prometheus series, all gunicorn workers together."""
from mooc_common.infra.metrics import exposition


class Metrics:
    """Not an API route (not in the OpenAPI document); in Kubernetes only the scraper reaches it
    (the ingress routes /api, /docs and /health)."""
    auth_required = False

    def on_get(self, req, resp):
        resp.content_type, resp.data = exposition()

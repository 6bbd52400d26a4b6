"""The gateway's route table: adds each route to the Falcon app and remembers it, so the
OpenAPI document (openapi/document.py) is made from exactly the routes that are served."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    uri_template: str
    resource: object
    suffix: str = None


class RouteTable:
    def __init__(self, app):
        self.app = app
        self.routes = []

    def add_route(self, uri_template, resource, suffix=None):
        if suffix:
            self.app.add_route(uri_template, resource, suffix=suffix)
        else:
            self.app.add_route(uri_template, resource)
        self.routes.append(Route(uri_template, resource, suffix))

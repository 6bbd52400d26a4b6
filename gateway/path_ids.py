"""Path parameters that name objects (``{tenant_id}``, ``{course_id}``...) must have the shape
of a platform id before any service sees them: anything else names nothing (404)."""
import re

import falcon

from mooc_common.contracts.ids import CLIENT_KEY_PATTERN, DELIVERY_ID_PATTERN, ID_PATTERN

from .errors import ApiError

# A lesson is named by its author's key (courses' schemas), not by a platform id.
FORMATS = {"delivery_id": re.compile(DELIVERY_ID_PATTERN),
           "lesson_id": re.compile(CLIENT_KEY_PATTERN)}
DEFAULT = re.compile(ID_PATTERN)


class PathIdMiddleware:
    def process_resource(self, req, resp, resource, params):
        for name, value in params.items():
            if name.endswith("_id") and not FORMATS.get(name, DEFAULT).fullmatch(str(value)):
                raise ApiError(falcon.HTTP_404, "not_found", "Not found.")

"""One way to page every list route: ``?offset=&limit=`` in, RFC 8288 ``Link`` headers out.

``page(req)`` reads and bounds the page (422 on a bad value); ``link(req, resp, page, count,
total)`` adds ``Link`` (``first``, ``prev``, ``next``, and ``last`` when the total is known) and
``X-Total-Count`` when it is. Without a total, ``next`` is given while a page comes back full.
The OpenAPI document describes both headers on every ``paginated`` operation.
"""
import urllib.parse

from marshmallow import EXCLUDE

from mooc_common.infra.boundary import load
from mooc_common.infra.paging import PageSchema


class PageQuerySchema(PageSchema):
    class Meta:
        unknown = EXCLUDE  # the route's other query parameters


def page(req):
    return load(PageQuerySchema(), dict(req.params))


def _url(req, offset, limit):
    params = dict(req.params, offset=str(offset), limit=str(limit))
    return f"{req.path}?{urllib.parse.urlencode(sorted(params.items()))}"


def link(req, resp, page, count, total=None):
    """``count``: the items in this page."""
    offset, limit = page["offset"], page["limit"]
    links = {"first": _url(req, 0, limit)}
    if offset > 0:
        links["prev"] = _url(req, max(0, offset - limit), limit)
    if (total is not None and offset + count < total) or (total is None and count >= limit):
        links["next"] = _url(req, offset + limit, limit)
    if total is not None:
        links["last"] = _url(req, max(0, (total - 1) // limit * limit), limit)
        resp.set_header("X-Total-Count", str(total))
    resp.set_header("Link", ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items()))

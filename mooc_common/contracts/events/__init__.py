"""Every event type of the platform, declared once per producer module."""
from . import accounts, courses, progress, reports


def all_event_types():
    types = []
    for module in (accounts, courses, progress, reports):
        types.extend(v for v in vars(module).values() if isinstance(v, EventType))
    return sorted(types, key=lambda e: e.type)


from ..envelope import EventType  # noqa: E402  (kept below to show the modules first)

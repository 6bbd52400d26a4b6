"""Code shared by every service and the gateway.

Only two kinds of code live here (see docs/architecture.md):
- ``contracts``: what crosses the wire (event envelope, event payload schemas, error codes);
- ``infra``: domain-free service infrastructure (config, store and broker plumbing).
Domain rules belong to the service that owns them.
"""

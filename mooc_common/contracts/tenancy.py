"""The two words that stand where a tenant id would. Tenant ids are 32 hex digits, so neither
can ever be a tenant's id. Internal only (stored keys, RPC arguments); what is published keeps
its own words, which are contracts: ``platform`` in the routing keys of the integration
exchange (services/integrations/routing.py), ``all_tenants`` for the every-tenant LRS in HTTP
answers, ``owner_tenant_id: null`` in events (docs/architecture.md, "Tenants")."""

NATIONAL = "national"  # owned by no tenant: the operator's (the ministry's) national courses
EVERY_TENANT = "*"  # for every tenant at once: the operator's LRS, a change every report shows

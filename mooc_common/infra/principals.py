"""Who runs inside the platform, and what each one may do: the one registration per process.

Each entry is a principal with its own broker user (permission regexes below), its own store
user (``readWrite`` on its own database only, production), its own service-identity signing
key, and the RPCs it may make in its own name (as ``system_actor(name)``). Adding a service is
one line in ``PRINCIPALS``; ``scripts/broker_users.py`` (local), the Kubernetes bootstrap
(``deploy/k8s/base/rabbitmq/principals.json``, generated from this) and ``platformctl``
(keys, passwords) read it. Standard library only: the broker bootstrap runs it too.
"""
import dataclasses
import re

from mooc_common.contracts import roles

RPC_EXCHANGE = "nameko-rpc"
# a reply queue's binding key / a reply's routing key (nameko: a uuid4 per reply listener)
REPLY_KEY = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclasses.dataclass(frozen=True)
class Principal:
    name: str
    # RPCs it makes in its own name, "service.method" (as system_actor(name), any actor-less RPC)
    system_calls: tuple = ()
    # services whose RPCs it may publish at all ("*": any), on behalf of a user or its own
    calls: tuple = ()
    # broker resources it owns besides the conventional ones (regexes, anchored)
    owns: tuple = ()
    # exchanges of others it publishes to (regexes)
    publishes: tuple = ()
    # exchanges of others it binds its queues to, besides every "<service>.events" (regexes)
    binds: tuple = ()
    # RPCs on which it may vouch for a learner without the learner's token (the gateway, for a
    # cmi5 session it looked up: the session, not a token, authenticates the learner there)
    vouches_for_learner: tuple = ()
    # a store database of its own (the gateway has none)
    database: bool = True
    # may publish to the default exchange (retry and dead-letter queues of its own)
    default_exchange: bool = True

    def queue_patterns(self):
        """Its queues and exchanges: its RPC queue, its reply queues, its event handlers' queues
        (and their retry queues), its dead-letter queue, and everything named ``<name>.*``."""
        n = re.escape(self.name)
        reply_owner = "standalone_rpc_proxy" if self.name == "gateway" else n
        return (f"rpc-{n}", rf"rpc\.reply-{reply_owner}-{REPLY_KEY}", rf"evt-.*--{n}\.[a-z0-9_]+(\.retry.*)?",
                rf"dead-letter\.{n}", rf"{n}\..*") + tuple(self.owns)

    def broker_permissions(self):
        """RabbitMQ ``configure``/``write``/``read`` regexes on the platform vhost, and the topic
        permissions on the RPC exchange (which routing keys it may publish and bind)."""
        own = self.queue_patterns()
        # nameko declares (not passively) the RPC exchange and the event exchanges it binds to:
        # configure on those is needed; on an exchange it only allows declaring it as it is
        # (or deleting it: a residual risk between platform services, docs/security.md)
        shared_exchanges = (RPC_EXCHANGE, r"[a-z_]+\.events")
        write = own + (RPC_EXCHANGE,) + tuple(self.publishes) + (("amq\\.default",) if self.default_exchange else ())
        read = own + (RPC_EXCHANGE, r"[a-z_]+\.events") + tuple(self.binds)
        targets = r"[a-z0-9_]+" if "*" in self.calls else "|".join(re.escape(c) for c in self.calls)
        rpc_write = f"^({targets})\\.[a-z0-9_]+$|^{REPLY_KEY}$" if self.calls else f"^{REPLY_KEY}$"
        rpc_read = f"^{re.escape(self.name)}\\.\\*$|^{REPLY_KEY}$"
        return {"configure": _anchored(own + shared_exchanges), "write": _anchored(write), "read": _anchored(read),
                "topic": {"exchange": RPC_EXCHANGE, "write": rpc_write, "read": rpc_read}}


def _anchored(patterns):
    return "^(" + "|".join(patterns) + ")$"


PRINCIPALS = {p.name: p for p in (
    Principal("gateway", calls=("*",), vouches_for_learner=("progress.enrollment_context",), owns=(r"progress\.ingest", r"progress\.activities"), database=False,
              default_exchange=False),
    # accounts declares and publishes to notifications' private hand-over of activation codes
    # (mooc_common/contracts/mail_handover.py): the queue keeps what is sent before notifications runs
    Principal("accounts", owns=(r"notifications\.handover", r"notifications\.activation_mails")),
    Principal("courses", calls=("accounts",),
              system_calls=("accounts.get_tenant", "accounts.get_user", "accounts.resolve_usernames")),
    # progress passes on the learner the gateway vouched for (cmi5) when it asks courses for an
    # enrollment whose events are still in flight
    Principal("progress", calls=("accounts", "courses"), system_calls=("accounts.get_tenant", "accounts.get_user"),
              vouches_for_learner=("courses.my_enrollment_announcements",)),
    Principal("reports", calls=("accounts", "courses", "progress"),  # the exports its rebuild reads
              system_calls=("accounts.export_tenants", "accounts.export_users", "courses.export_courses",
                            "courses.export_enrollments", "progress.export_completions")),
    Principal("integrations", calls=("accounts",), owns=(r"integration\.events", r"agency-.*")),
    Principal("notifications", calls=("accounts", "progress"),
              system_calls=("accounts.mail_contacts", "accounts.tenant_mail_contacts",
                            "progress.certificate_for_mail")),
)}

SERVICES = tuple(name for name, p in PRINCIPALS.items() if p.database)


def service_kid_prefix(name):
    """The ``kid`` of a service-identity key starts with it: a key signs for its service only."""
    return f"service:{name}"


def system_actor(name):
    """The actor a service acts as in its own name (``system_calls`` only)."""
    return {"role": roles.OPERATOR_ADMIN, "user_id": f"{name}-service", "tenant_id": None}

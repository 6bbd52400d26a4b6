"""Gateway settings, read from the environment only."""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class GatewayConfig:
    amqp_uri: str
    jwt_secret: str
    rpc_timeout: float = 10.0
    ready_timeout: float = 3.0
    max_body_bytes: int = 1024 * 1024
    # The platform's public address: xAPI activity ids and cmi5 launch URLs are built on it.
    public_base_url: str = "http://localhost:8000"

    @classmethod
    def from_env(cls, env=os.environ):
        secret = env.get("JWT_SECRET", "")
        if len(secret) < 32:
            raise RuntimeError("JWT_SECRET must be set to at least 32 characters")
        return cls(
            amqp_uri=env.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            jwt_secret=secret,
            rpc_timeout=float(env.get("RPC_TIMEOUT_SECONDS", "10")),
            ready_timeout=float(env.get("READY_TIMEOUT_SECONDS", "3")),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", str(1024 * 1024))),
            public_base_url=env.get("PUBLIC_BASE_URL", "http://localhost:8000"),
        )

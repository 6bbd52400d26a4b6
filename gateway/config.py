"""Gateway settings, read from the environment only."""
import os
from dataclasses import dataclass
from pathlib import Path

# The built single-page app (make builds it with Vite); WEB_DIST_DIR overrides it (images).
DEFAULT_WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"


@dataclass(frozen=True)
class GatewayConfig:
    amqp_uri: str
    jwt_secret: str
    rpc_timeout: float = 10.0
    ready_timeout: float = 3.0
    max_body_bytes: int = 1024 * 1024
    web_dist_dir: str = str(DEFAULT_WEB_DIST)

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
            web_dist_dir=env.get("WEB_DIST_DIR", str(DEFAULT_WEB_DIST)),
        )

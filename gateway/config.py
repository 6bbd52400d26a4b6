"""Gateway settings, read from the environment only."""
import os
from dataclasses import dataclass
from pathlib import Path

from mooc_common.contracts import tokens

from .client_address import parse_networks

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
    trusted_proxies: tuple = ()  # networks whose X-Forwarded-For is believed (client_address.py)
    # The platform's public address: xAPI activity ids and cmi5 launch URLs are built on it.
    public_base_url: str = "http://localhost:8000"

    @classmethod
    def from_env(cls, env=os.environ):
        # the access-token key only (tokens.access_token_key); derived here from the master
        # secret where a deployment still gives the gateway JWT_SECRET
        secret = env.get("ACCESS_TOKEN_KEY") or tokens.access_token_key(env.get("JWT_SECRET", ""))
        if len(secret) < 32:
            raise RuntimeError("ACCESS_TOKEN_KEY must be set to at least 32 characters")
        return cls(
            amqp_uri=env.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
            jwt_secret=secret,
            rpc_timeout=float(env.get("RPC_TIMEOUT_SECONDS", "10")),
            ready_timeout=float(env.get("READY_TIMEOUT_SECONDS", "3")),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", str(1024 * 1024))),
            web_dist_dir=env.get("WEB_DIST_DIR", str(DEFAULT_WEB_DIST)),
            trusted_proxies=parse_networks(env.get("TRUSTED_PROXIES", "")),
            public_base_url=env.get("PUBLIC_BASE_URL", "http://localhost:8000"),
        )

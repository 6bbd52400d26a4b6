"""The web application's assets at / (gateway/resources/web.py), over a temporary dist."""
import gzip

import falcon.testing
import pytest

from gateway.app import Deps, create_app
from gateway.config import GatewayConfig

from .test_app import SECRET, FakePublisher, FakeRpc

INDEX = b"<!doctype html><title>MOOC</title><script src=/assets/index-abc123.js></script>"
SCRIPT = b"console.log('xin ch\xc3\xa0o');" * 50


@pytest.fixture
def dist(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (tmp_path / "favicon.svg").write_bytes(b"<svg/>")
    (tmp_path.parent / "secret.txt").write_bytes(b"outside")
    return tmp_path


def web_client(dist_dir):
    config = GatewayConfig(amqp_uri="amqp://unused", jwt_secret=SECRET, web_dist_dir=str(dist_dir))
    return falcon.testing.TestClient(create_app(Deps(config, FakeRpc(), FakePublisher())))


def test_index_is_served_at_root_without_cache(dist):
    resp = web_client(dist).simulate_get("/")
    assert resp.status_code == 200
    assert resp.content == INDEX
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert resp.headers["cache-control"] == "no-cache"


def test_client_routes_fall_back_to_index(dist):
    client = web_client(dist)
    for path in ("/courses/abc", "/verify/ABCDEFGH23456789", "/activate", "/en/anything/deep"):
        resp = client.simulate_get(path, params={"username": "x"})
        assert resp.status_code == 200, path
        assert resp.content == INDEX


def test_hashed_assets_are_cached_long_and_typed(dist):
    resp = web_client(dist).simulate_get("/assets/index-abc123.js")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/javascript"
    assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert resp.content == SCRIPT


def test_assets_are_gzipped_when_accepted(dist):
    resp = web_client(dist).simulate_get("/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, br"})
    assert resp.headers["content-encoding"] == "gzip"
    assert gzip.decompress(resp.content) == SCRIPT
    assert int(resp.headers["content-length"]) == len(resp.content) < len(SCRIPT)
    assert resp.headers["vary"] == "Accept-Encoding"


def test_missing_hashed_asset_is_a_404_not_the_index(dist):
    resp = web_client(dist).simulate_get("/assets/index-gone.js")
    assert resp.status_code == 404
    assert resp.json["code"] == "not_found"


def test_unknown_api_path_keeps_the_json_404(dist):
    client = web_client(dist)
    for path in ("/api/v1/nothing-here", "/api", "/api/"):
        resp = client.simulate_get(path)
        assert resp.status_code == 404, path
        assert resp.json["code"] == "not_found"


def test_api_and_health_routes_are_not_shadowed(dist):
    client = web_client(dist)
    assert client.simulate_get("/health").json == {"status": "ok"}
    assert client.simulate_get("/api/v1/me/courses").status_code == 401


def test_no_file_outside_dist_is_served(dist):
    client = web_client(dist)
    for path in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"):
        resp = client.simulate_get(path)
        assert b"outside" not in resp.content, path


def test_only_get_and_head(dist):
    client = web_client(dist)
    assert client.simulate_post("/courses").status_code == 405
    head = client.simulate_head("/favicon.svg")
    assert head.status_code == 200
    assert head.headers["content-type"] == "image/svg+xml"
    assert head.content == b""


def test_a_missing_build_says_how_to_build_it(tmp_path):
    resp = web_client(tmp_path / "nothing").simulate_get("/")
    assert resp.status_code == 404
    assert "make run" in resp.json["message"]

"""deploy/lint/check_dockerfiles.py: each rule on small Dockerfiles, and the project's own passes."""
import importlib.util
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_dockerfiles", ROOT / "deploy/lint/check_dockerfiles.py")
check_dockerfiles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_dockerfiles)

GOOD = """# syntax=docker/dockerfile:1
ARG PY=3.11.15-slim-bookworm
FROM --platform=linux/amd64 python:${PY} AS build
RUN pip install \\
    # a comment inside a continuation
    nameko
FROM python:${PY} AS app
COPY --from=build /x /x
USER 10001:10001
CMD ["python", "-m", "x"]
"""
SINGLE = """FROM python:3.11
USER app
RUN apt-get update && apt-get install -y gcc libpq-dev
RUN python -m pip install nameko
CMD python -m x
"""
BASES = """FROM python AS base
RUN apt-get install -y build-essential
FROM base AS api
USER 0
ENTRYPOINT ["api"]
FROM base AS worker
USER root:root
FROM ubuntu:latest AS tools
FROM $UNSET AS other
FROM debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS last
COPY --from=nowhere /a /a
"""


def lint(tmp_path, text):
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    problems, stages, outputs = check_dockerfiles.lint(str(path))
    return [p.replace(str(path), "F") for p in problems], stages, outputs


def test_a_pinned_multi_stage_non_root_build_passes(tmp_path):
    assert lint(tmp_path, GOOD) == ([], 2, ["app"])


def test_a_single_stage_build_breaks_every_output_rule(tmp_path):
    assert lint(tmp_path, SINGLE) == ([
        "F: not a multi-stage build (1 stage)",
        "F:1: FROM python:3.11: tag '3.11' is not an exact version (want e.g. 3.11.15-slim-bookworm)",
        "F: output stage stage 0: USER app is not numeric (runAsNonRoot cannot verify a user name)",
        "F:3: build tools installed in stage stage 0, which ends up in an output image: "
        "apt-get update && apt-get install -y gcc libpq-dev",
        "F:4: pip install in stage stage 0, which ends up in an output image: install in a builder stage "
        "and COPY --from it",
        "F:5: CMD in shell form: SIGTERM would go to a shell; use the exec (JSON array) form"], 1, ["0"])


def test_pins_users_and_inherited_build_tools_across_stages(tmp_path):
    """A base stage's build tools count in every output built on it, reported once; users are
    inherited from the bases; a digest pin is enough."""
    assert lint(tmp_path, BASES) == ([
        "F:1: FROM python: no tag (implies latest)",
        "F:8: FROM ubuntu:latest: tag 'latest' is not an exact version (want e.g. 3.11.15-slim-bookworm)",
        "F:9: FROM $UNSET: unresolved variable",
        "F: no stage copies from an earlier stage (COPY --from=...)",
        "F: output stage api: USER 0 is root",
        "F:2: build tools installed in stage base, which ends up in an output image: "
        "apt-get install -y build-essential",
        "F: output stage worker: USER root:root is root",
        "F: output stage worker: no CMD/ENTRYPOINT",
        "F: output stage tools: no USER (runs as root)", "F: output stage tools: no CMD/ENTRYPOINT",
        "F: output stage other: no USER (runs as root)", "F: output stage other: no CMD/ENTRYPOINT",
        "F: output stage last: no USER (runs as root)", "F: output stage last: no CMD/ENTRYPOINT"],
        6, ["api", "worker", "tools", "other", "last"])


def test_the_projects_dockerfile_passes():
    problems, stages, outputs = check_dockerfiles.lint(str(ROOT / "deploy/docker/Dockerfile"))
    assert problems == [] and stages >= 2 and outputs

#!/usr/bin/env python3
"""Contract fuzzing of the HTTP API: schemathesis against a running platform, once per role.

    python scripts/api_fuzz.py [--examples N] [--seed S]   # `make fuzz`: own platform, long run

Every operation of ``/api/v1/openapi.json`` gets generated requests (valid and invalid), sent
with a real token of each role (and none); each answer must not be a 500 and must match the
document (status code, content type, body schema). ``make test`` runs a bounded version
(tests/e2e/test_api_fuzz.py); the figures of the long run are in docs/api.md.
"""
import argparse
import json
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

SEED = 20261201
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
PHASES = "examples,fuzzing"           # the bounded run of make test
LONG_PHASES = "examples,coverage,fuzzing"  # make fuzz: also schemathesis' boundary and negative cases
ROLES = ("tenant_admin", "instructor", "report_viewer", "learner")
# Least powerful first: the fuzzer reuses ids it has seen, so an admin's run may deactivate the
# other users of its tenant, and the operator's may suspend the tenant; they come last.
ORDER = ("anonymous", "learner", "report_viewer", "instructor", "tenant_admin", "operator_admin")


def role_sign_ins(base_url, operator, operator_credentials):
    """A tenant with one user of each role; for each role (and the operator) a function that signs
    in and returns the Authorization header. Runs sign in just before they start: an access token
    lives 15 minutes, shorter than a long run of every role."""
    from api_client import ApiClient

    def sign_in(username, password):
        return lambda: ApiClient(base_url).signed_in(username, password).session.headers["Authorization"]

    tenant = operator.post("/api/v1/tenants", {
        "code": "FZ" + secrets.token_hex(3).upper(), "name": "Sở Thông tin và Truyền thông", "kind": "province",
        "focal_contact": {"full_name": "Lê Thị Hoa", "mobile": "0912345678", "email": "hoa@example.vn"}})
    sign_ins = {"operator_admin": sign_in(*operator_credentials)}
    for role in ROLES:
        username, password = f"fz.{role[:5]}.{secrets.token_hex(3)}", "Fz" + secrets.token_urlsafe(12) + "7"
        body = {"username": username, "full_name": "Phạm Văn Đức", "role": role, "password": password,
                "email": f"{username}@example.vn"}
        if role == "learner":
            body["category"] = "civil_servant"
        operator.post(f"/api/v1/tenants/{tenant['tenant_id']}/users", body)
        sign_ins[role] = sign_in(username, password)
    return sign_ins


def run_role(base_url, role, authorization, examples, seed, report_dir, phases=PHASES, timeout=1800):
    """One schemathesis run; returns {role, exit_code, cases, failures, output}."""
    report = Path(report_dir) / f"{role}.ndjson"
    command = [str(Path(sys.executable).with_name("st")), "--config-file", str(ROOT / "config" / "schemathesis.toml"),
               "run", f"{base_url}/api/v1/openapi.json",
               "--seed", str(seed), "--max-examples", str(examples), "--phases", phases, "--checks", CHECKS,
               "--no-shrink", "--workers", "1",
               # the course body's nested schema is slow to generate on a loaded machine: not a finding
               "--suppress-health-check", "too_slow", "--request-timeout", "30", "--warnings", "off",
               "--report", "ndjson", "--report-ndjson-path", str(report)]
    if authorization:
        command += ["--header", f"Authorization: {authorization}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=report_dir)
    cases = failures = 0
    for line in report.read_text().splitlines() if report.exists() else ():
        event = json.loads(line)
        for kind, body in event.items():
            if kind == "ScenarioFinished":
                recorder = body.get("recorder", {})
                cases += len(recorder.get("cases", {}))
                failures += sum(1 for checks in recorder.get("checks", {}).values()
                                for check in checks if str(check.get("status")).lower() == "failure")
    return {"role": role, "exit_code": done.returncode, "cases": cases, "failures": failures,
            "output": done.stdout[-20000:] + done.stderr[-5000:]}


def run_all(base_url, sign_ins, examples, seed, report_dir, phases=PHASES):
    roles = dict(sign_ins, anonymous=lambda: None)
    return [run_role(base_url, role, roles[role](), examples, seed, report_dir, phases) for role in ORDER]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10, help="generated cases per operation, phase and role")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--phases", default=LONG_PHASES)
    args = parser.parse_args()

    from api_client import ApiClient
    from isolated_env import isolated_env, started_platform
    from platformctl import read_env_file

    infra = read_env_file(ROOT / "var" / "infra.env")
    with isolated_env(infra, "fuzz") as env, started_platform(env, ROOT / "var" / "log" / "fuzz") as platform, \
            tempfile.TemporaryDirectory() as report_dir:
        credentials = (env["OPERATOR_USERNAME"], env["OPERATOR_PASSWORD"])
        operator = ApiClient(platform.base_url).signed_in(*credentials)
        results = run_all(platform.base_url, role_sign_ins(platform.base_url, operator, credentials), args.examples,
                          args.seed, report_dir, args.phases)
    for result in results:
        if result["exit_code"]:
            print(result["output"])
    for result in results:
        print(f"{result['role']:>15}: {result['cases']} generated cases, {result['failures']} failed checks, "
              f"exit {result['exit_code']}")
    print(f"total: {sum(r['cases'] for r in results)} cases, seed {args.seed}, phases {args.phases}, "
          f"{args.examples} per operation and phase")
    return 1 if any(r["exit_code"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

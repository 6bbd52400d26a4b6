#!/usr/bin/env bash
# Deployment checks, offline and idempotent (a second run reuses the installed tools):
#   1. installs pinned tools into var/tools/ (gitignored): kustomize (built from source
#      through the Go module proxy) and kubernetes-validate (PyPI, in var/tools/kv-venv);
#   2. renders every overlay under deploy/k8s/overlays with kustomize and validates each
#      object against the Kubernetes API schemas (strict, offline) plus the platform's
#      cross-object rules (deploy/lint/check_manifests.py);
#   3. lints the Dockerfiles under deploy/docker (deploy/lint/check_dockerfiles.py).
# Exits non-zero with a clear message on the first failing step.
#
# Environment: K8S_VERSIONS (space-separated, default "1.30.0 1.37.0"): the Kubernetes
# versions to validate against -- the oldest supported one and the newest the pinned
# kubernetes-validate ships schemas for.
set -euo pipefail

KUSTOMIZE_VERSION=v5.7.1
K8S_VERSIONS=${K8S_VERSIONS:-"1.30.0 1.37.0"}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LINT="$ROOT/deploy/lint"
TOOLS="$ROOT/var/tools"
BIN="$TOOLS/bin"
KUSTOMIZE="$BIN/kustomize"
VENV="$TOOLS/kv-venv"
RENDER="$TOOLS/deploy-render"

die() { echo "deploy-lint: FAILED: $*" >&2; exit 1; }
step() { echo "deploy-lint: $*"; }

# -- 1. tools ------------------------------------------------------------------------------
install_kustomize() {
  if [[ -x "$KUSTOMIZE" ]] && [[ "$("$KUSTOMIZE" version 2>/dev/null)" == "$KUSTOMIZE_VERSION" ]]; then
    return
  fi
  command -v go >/dev/null || die "go is required to build kustomize"
  mkdir -p "$BIN"
  step "building kustomize $KUSTOMIZE_VERSION into var/tools/bin"
  local log="$TOOLS/kustomize-install.log"
  if ! GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
      go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >"$log" 2>&1; then
    # Fallback: some proxies refuse the @v/list lookup that `go install pkg@version` makes.
    # Installing from inside a pinned module skips it and verifies go.sum.
    step "go install pkg@version failed (see $log); building from deploy/lint/kustomize/go.mod"
    grep -q "sigs.k8s.io/kustomize/kustomize/v5 $KUSTOMIZE_VERSION" "$LINT/kustomize/go.mod" \
      || die "deploy/lint/kustomize/go.mod does not pin kustomize $KUSTOMIZE_VERSION"
    (cd "$LINT/kustomize" && GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" \
      go install sigs.k8s.io/kustomize/kustomize/v5) >>"$log" 2>&1 \
      || { tail -20 "$log" >&2; die "could not build kustomize (log: $log)"; }
  fi
  [[ "$("$KUSTOMIZE" version)" == "$KUSTOMIZE_VERSION" ]] \
    || die "kustomize reports $("$KUSTOMIZE" version), expected $KUSTOMIZE_VERSION"
}

install_validator() {
  local stamp="$VENV/.requirements.sha256" want
  want=$(sha256sum "$LINT/requirements.txt" | cut -d' ' -f1)
  if [[ -x "$VENV/bin/python" ]] && [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    return
  fi
  step "installing kubernetes-validate into var/tools/kv-venv"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      -r "$LINT/requirements.txt" || die "pip install of deploy/lint/requirements.txt failed"
  "$VENV/bin/python" -c "import kubernetes_validate, yaml" || die "kubernetes-validate does not import"
  echo "$want" >"$stamp"
}

install_kustomize
install_validator

# -- 2. render and validate every overlay ---------------------------------------------------
rm -rf "$RENDER"
mkdir -p "$RENDER"
rendered=()
shopt -s nullglob
overlays=("$ROOT"/deploy/k8s/overlays/*/)
[[ ${#overlays[@]} -gt 0 ]] || die "no overlay under deploy/k8s/overlays"
for dir in "${overlays[@]}"; do
  name=$(basename "$dir")
  out="$RENDER/$name.yaml"
  "$KUSTOMIZE" build "$dir" >"$out" 2>"$RENDER/$name.err" \
    || { cat "$RENDER/$name.err" >&2; die "kustomize build deploy/k8s/overlays/$name"; }
  rendered+=("$name=$out")
done
versions=()
for v in $K8S_VERSIONS; do versions+=(--k8s-version "$v"); done
step "validating ${#rendered[@]} overlays against Kubernetes $K8S_VERSIONS (strict schemas, offline)"
"$VENV/bin/python" "$LINT/check_manifests.py" "${versions[@]}" "${rendered[@]}" \
  || die "rendered manifests are invalid (see ERROR lines above; rendered YAML in var/tools/deploy-render/)"

# -- 3. Dockerfiles -----------------------------------------------------------------------
dockerfiles=()
for f in "$ROOT"/deploy/docker/Dockerfile*; do
  [[ "$f" == *.dockerignore ]] || dockerfiles+=("$f")
done
[[ ${#dockerfiles[@]} -gt 0 ]] || die "no Dockerfile under deploy/docker"
step "linting ${#dockerfiles[@]} Dockerfile(s)"
"$VENV/bin/python" "$LINT/check_dockerfiles.py" "${dockerfiles[@]}" \
  || die "Dockerfile lint (see ERROR lines above)"

step "all deployment checks passed"

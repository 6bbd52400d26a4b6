"""Validate rendered Kustomize output: API schemas (offline) plus the platform's own rules.

Usage: check_manifests.py --k8s-version 1.30.0 [--k8s-version ...] NAME=RENDERED.yaml ...

1. Every object is validated against the Kubernetes OpenAPI schemas shipped with
   kubernetes-validate, in strict mode (unknown fields are errors). An object whose kind has
   no schema (a CRD, a typo in apiVersion) is an error too, not a warning.
2. Cross-object rules that a schema cannot express: references resolve (ConfigMaps, HPA
   targets, Ingress backends), selectors select something, every workload has resources,
   probes, a PDB (and an HPA for Deployments), runs as non-root, images are pinned, no
   Secret is rendered and only the documented out-of-band Secrets are referenced, and the
   NetworkPolicies start from a default deny.

Exit status 1 with one line per problem; 0 and a summary line otherwise.
"""
import argparse
import collections
import re
import sys

import yaml

# Secrets created out of band (docs/deploy.md); nothing else may be referenced.
ALLOWED_SECRETS = {"mooc-secrets", "mooc-tls"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
                  "StorageClass", "CustomResourceDefinition", "PriorityClass"}
PINNED_TAG = re.compile(r"^[\w][\w.-]*$")


def pod_spec(obj):
    kind, spec = obj["kind"], obj.get("spec", {})
    if kind == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]
    if kind in WORKLOAD_KINDS:
        return spec["template"]
    return None


MONITORING_NAMESPACE = {"kubernetes.io/metadata.name": "monitoring"}
METRICS_PORTS = {8000, 8080}


def is_metrics_scrape(rule, external):
    """An ingress rule that lets only the monitoring namespace in, only on the metrics ports."""
    ports = {p.get("port") for p in rule.get("ports") or []}
    return bool(ports) and ports <= METRICS_PORTS and all(
        set(peer) == {"namespaceSelector"} and peer["namespaceSelector"] == {"matchLabels": MONITORING_NAMESPACE}
        for peer in external)


# matchExpressions operators: does the expression hold for these labels?
EXPRESSION_HOLDS = {
    "In": lambda labels, key, values: labels.get(key) in values,
    "NotIn": lambda labels, key, values: labels.get(key) not in values,
    "Exists": lambda labels, key, values: key in labels,
    "DoesNotExist": lambda labels, key, values: key not in labels,
}


def is_default_deny(policy):
    """Selects every pod, for both directions, and allows nothing."""
    spec = policy["spec"]
    return (spec["podSelector"] == {} and {"Ingress", "Egress"} <= set(spec.get("policyTypes", []))
            and not spec.get("ingress") and not spec.get("egress"))


def selector_matches(selector, labels):
    """LabelSelector (matchLabels + matchExpressions) semantics; {} matches everything."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    return all(EXPRESSION_HOLDS.get(expr["operator"], lambda *_: True)(labels, expr["key"], expr.get("values") or [])
               for expr in selector.get("matchExpressions") or [])


def _container_references(container):
    """(what, kind, name) of each ConfigMap and Secret a container's environment names."""
    for src in container.get("envFrom", []):
        if "configMapRef" in src:
            yield "envFrom ", "ConfigMap", src["configMapRef"]["name"]
        if "secretRef" in src:
            yield "envFrom ", "Secret", src["secretRef"]["name"]
    for env in container.get("env", []):
        ref = env.get("valueFrom", {})
        if "configMapKeyRef" in ref:
            yield f"env {env['name']}: ", "ConfigMap", ref["configMapKeyRef"]["name"]
        if "secretKeyRef" in ref:
            yield f"env {env['name']}: ", "Secret", ref["secretKeyRef"]["name"]


def pod_references(spec):
    """(what, kind, name) of each ConfigMap and Secret a pod spec names, containers first."""
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        yield from _container_references(container)
    for vol in spec.get("volumes", []):
        if "configMap" in vol:
            yield f"volume {vol['name']}: ", "ConfigMap", vol["configMap"]["name"]
        if "secret" in vol:
            yield f"volume {vol['name']}: ", "Secret", vol["secret"]["secretName"]


def image_pinned(image):
    """Pinned to a digest, or to a tag that is neither missing nor ``latest``."""
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return bool(tag) and tag != "latest" and bool(PINNED_TAG.match(tag))


class Checker:
    def __init__(self, name, objects):
        self.name = name
        self.objects = objects
        self.problems = []
        self.by_kind = collections.defaultdict(dict)
        for obj in objects:
            self.by_kind[obj["kind"]][obj["metadata"]["name"]] = obj
        self.pods = []  # (owner id, labels, pod spec)
        for obj in objects:
            template = pod_spec(obj)
            if template is not None:
                self.pods.append((self.oid(obj), template["metadata"].get("labels", {}),
                                  template["spec"]))

    @staticmethod
    def oid(obj):
        return f"{obj['kind']}/{obj['metadata']['name']}"

    def fail(self, obj, message):
        where = self.oid(obj) if isinstance(obj, dict) else obj
        self.problems.append(f"{self.name}: {where}: {message}")

    def pods_selected(self, selector):
        return [pid for pid, labels, _ in self.pods if selector_matches(selector, labels)]

    # -- rules -----------------------------------------------------------------------------
    def check_schemas(self, versions):
        # imported here: the cross-object rules need only yaml (the unit tests run them in the
        # project's venv; kubernetes-validate lives in deploy/lint's own tools venv)
        import kubernetes_validate
        for obj in self.objects:
            for version in versions:
                try:
                    kubernetes_validate.validate(obj, version, strict=True)
                except kubernetes_validate.ValidationError as exc:
                    path = ".".join(str(p) for p in exc.path) or "(root)"
                    self.fail(obj, f"schema (k8s {exc.version}, strict): {path}: {exc.message}")
                except (kubernetes_validate.SchemaNotFoundError,
                        kubernetes_validate.InvalidSchemaError) as exc:
                    self.fail(obj, f"no schema to validate against: {exc.message}")

    def check_namespaces(self):
        namespaces = set(self.by_kind.get("Namespace", {}))
        for obj in self.objects:
            if obj["kind"] in CLUSTER_SCOPED:
                continue
            ns = obj["metadata"].get("namespace")
            if namespaces and ns not in namespaces:
                self.fail(obj, f"namespace {ns!r} is not the overlay's namespace {sorted(namespaces)}")

    def check_secrets_and_configmaps(self):
        for obj in self.objects:
            if obj["kind"] == "Secret":
                self.fail(obj, "a Secret is rendered: secrets must be created out of band")
        configmaps = set(self.by_kind.get("ConfigMap", {}))
        for pid, _, spec in self.pods:
            for what, kind, name in pod_references(spec):
                if kind == "ConfigMap" and name not in configmaps:
                    self.fail(pid, f"{what}ConfigMap {name!r} is not rendered")
                if kind == "Secret" and name not in ALLOWED_SECRETS:
                    self.fail(pid, f"{what}Secret {name!r} is not a documented secret")
        for ing in self.by_kind.get("Ingress", {}).values():
            for tls in ing["spec"].get("tls", []):
                if tls.get("secretName") not in ALLOWED_SECRETS:
                    self.fail(ing, f"TLS Secret {tls.get('secretName')!r} is not a documented secret")

    # Credentials each process must hold only its own of (docs/security.md, item 10).
    OWN_CREDENTIALS = ("RABBITMQ_APP_PASSWORD", "MONGO_APP_PASSWORD", "SERVICE_SIGNING_KEY")
    ACCOUNTS_ONLY = ("ACCESS_TOKEN_SIGNING_KEY", "JWT_SECRET", "OPERATOR_PASSWORD")

    def check_least_privilege(self):
        for dep in self.by_kind.get("Deployment", {}).values():
            app = dep["spec"]["template"]["metadata"].get("labels", {}).get("app.kubernetes.io/name", "")
            for c in dep["spec"]["template"]["spec"].get("containers", []):
                env = {e["name"]: e for e in c.get("env", [])}
                for name in ("RABBITMQ_APP_USERNAME", "MONGO_APP_USERNAME"):
                    if name in env and env[name].get("value") != f"mooc-{app}":
                        self.fail(dep, f"env {name}: must be its own user mooc-{app}")
                for name in self.OWN_CREDENTIALS:
                    key = env.get(name, {}).get("valueFrom", {}).get("secretKeyRef", {}).get("key", "")
                    if name in env and not key.endswith(f"_{app.upper()}"):
                        self.fail(dep, f"env {name}: must be its own secret key *_{app.upper()}, not {key!r}")
                for name in self.ACCOUNTS_ONLY:
                    if name in env and app != "accounts":
                        self.fail(dep, f"env {name}: only the accounts service may hold it")

    def check_containers(self):
        for pid, _, spec in self.pods:
            for c in spec.get("initContainers", []) + spec.get("containers", []):
                where = f"{pid} container {c['name']}"
                if not image_pinned(c.get("image", "")):
                    self.fail(where, f"image {c.get('image', '')!r} is not pinned to a tag or digest")
                self._check_resources(where, c.get("resources", {}))
                self._check_container_security(where, c.get("securityContext", {}), spec.get("securityContext", {}))
            if pid.split("/")[0] in ("Deployment", "StatefulSet"):
                for c in spec.get("containers", []):
                    self._check_probes(f"{pid} container {c['name']}", c)

    def _check_resources(self, where, resources):
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in resources.get(part, {}):
                    self.fail(where, f"resources.{part}.{r} missing")

    def _check_container_security(self, where, csc, pod_sc):
        """The container's securityContext, falling back on the pod's where Kubernetes does."""
        if not (csc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))):
            self.fail(where, "runAsNonRoot is not true")
        if csc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            self.fail(where, "runs as UID 0")
        if csc.get("allowPrivilegeEscalation") is not False:
            self.fail(where, "allowPrivilegeEscalation is not false")
        if "ALL" not in (csc.get("capabilities", {}).get("drop") or []):
            self.fail(where, "capabilities do not drop ALL")

    def _check_probes(self, where, container):
        ports = {p.get("name") for p in container.get("ports", [])}
        for probe in ("livenessProbe", "readinessProbe"):
            p = container.get(probe)
            if not p:
                self.fail(where, f"{probe} missing")
                continue
            for action in ("httpGet", "tcpSocket", "grpc"):
                port = (p.get(action) or {}).get("port")
                if isinstance(port, str) and port not in ports:
                    self.fail(where, f"{probe} uses unknown port name {port!r}")

    def check_scaling_and_disruption(self):
        hpas = self.by_kind.get("HorizontalPodAutoscaler", {}).values()
        targets = collections.Counter()
        for hpa in hpas:
            ref = hpa["spec"]["scaleTargetRef"]
            if ref["name"] not in self.by_kind.get(ref["kind"], {}):
                self.fail(hpa, f"scaleTargetRef {ref['kind']}/{ref['name']} is not rendered")
            targets[(ref["kind"], ref["name"])] += 1
            if hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
                self.fail(hpa, "minReplicas > maxReplicas")
        pdb_pods = set()
        for pdb in self.by_kind.get("PodDisruptionBudget", {}).values():
            selected = self.pods_selected(pdb["spec"]["selector"])
            if not selected:
                self.fail(pdb, "selector matches no pod template")
            if len(selected) > 1:
                self.fail(pdb, f"selector matches several workloads: {selected}")
            pdb_pods.update(selected)
        for kind in ("Deployment", "StatefulSet"):
            for name, obj in self.by_kind.get(kind, {}).items():
                if self.oid(obj) not in pdb_pods:
                    self.fail(obj, "no PodDisruptionBudget selects its pods")
                if kind == "Deployment":
                    n = targets[(kind, name)]
                    if n != 1:
                        self.fail(obj, f"expected exactly one HorizontalPodAutoscaler, found {n}")
                    if "replicas" in obj["spec"]:
                        self.fail(obj, "spec.replicas is set although an HPA owns the replica count")

    def check_services_and_ingress(self):
        for svc in self.by_kind.get("Service", {}).values():
            selector = svc["spec"].get("selector")
            if not selector:
                self.fail(svc, "Service without selector")
                continue
            selected = [p for p in self.pods if selector_matches({"matchLabels": selector}, p[1])]
            if not selected:
                self.fail(svc, "selector matches no pod template")
            self._check_target_ports(svc, selected)
        for ing in self.by_kind.get("Ingress", {}).values():
            for rule in ing["spec"].get("rules", []):
                for path in rule.get("http", {}).get("paths", []):
                    self._check_backend(ing, path["backend"]["service"])

    def _check_target_ports(self, svc, selected):
        """A named targetPort is a named port of every pod the Service selects."""
        for port in svc["spec"].get("ports", []):
            target = port.get("targetPort")
            if not isinstance(target, str):
                continue
            for pid, _, spec in selected:
                names = {p.get("name") for c in spec["containers"] for p in c.get("ports", [])}
                if target not in names:
                    self.fail(svc, f"targetPort {target!r} is not a named port of {pid}")

    def _check_backend(self, ing, backend):
        svc = self.by_kind.get("Service", {}).get(backend["name"])
        if not svc:
            self.fail(ing, f"backend Service {backend['name']!r} is not rendered")
            return
        port, ports = backend["port"], svc["spec"]["ports"]
        if "name" in port and port["name"] not in {p.get("name") for p in ports}:
            self.fail(ing, f"backend port {port['name']!r} is not a port of Service {backend['name']}")
        if "number" in port and port["number"] not in {p["port"] for p in ports}:
            self.fail(ing, f"backend port {port['number']} is not a port of Service {backend['name']}")

    def check_network_policies(self):
        policies = list(self.by_kind.get("NetworkPolicy", {}).values())
        if not any(is_default_deny(p) for p in policies):
            self.problems.append(f"{self.name}: no default-deny NetworkPolicy (ingress and egress)")
        for pol in policies:
            self._check_policy_selects_pods(pol)
        # Only pods of the gateway may be reachable from outside the namespace; the one exception
        # is Prometheus, from the monitoring namespace, on the metrics ports only (8000, 8080).
        for pol in policies:
            for rule in pol["spec"].get("ingress") or []:
                external = [p for p in rule.get("from") or [] if "namespaceSelector" in p or "ipBlock" in p]
                if external and not is_metrics_scrape(rule, external):
                    self._check_only_gateway_exposed(pol)

    def _check_policy_selects_pods(self, pol):
        """The policy's podSelector, and its peers in this namespace, select pods that exist."""
        spec = pol["spec"]
        if spec["podSelector"] and not self.pods_selected(spec["podSelector"]):
            self.fail(pol, "podSelector matches no pod template")
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(direction) or []:
                for peer in rule.get(key) or []:
                    if "podSelector" in peer and "namespaceSelector" not in peer \
                            and not self.pods_selected(peer["podSelector"]):
                        self.fail(pol, f"{direction} peer {peer['podSelector']} matches no pod template")

    def _check_only_gateway_exposed(self, pol):
        for pid, labels, _ in self.pods:
            if selector_matches(pol["spec"]["podSelector"], labels) and not pid.startswith("Deployment/gateway"):
                self.fail(pol, f"admits traffic from outside the namespace into {pid}")

    def run(self, versions):
        self.check_schemas(versions)
        self.check_namespaces()
        self.check_secrets_and_configmaps()
        self.check_least_privilege()
        self.check_containers()
        self.check_scaling_and_disruption()
        self.check_services_and_ingress()
        self.check_network_policies()
        return self.problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k8s-version", action="append", required=True)
    parser.add_argument("rendered", nargs="+", help="NAME=FILE of a kustomize build output")
    args = parser.parse_args()
    problems = []
    for item in args.rendered:
        name, _, path = item.partition("=")
        with open(path) as f:
            objects = [o for o in yaml.safe_load_all(f) if o]
        if not objects:
            problems.append(f"{name}: rendered nothing")
            continue
        found = Checker(name, objects).run(args.k8s_version)
        problems += found
        kinds = collections.Counter(o["kind"] for o in objects)
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        status = "FAIL" if found else "ok"
        print(f"  {name}: {status}: {len(objects)} objects x k8s {'/'.join(args.k8s_version)} "
              f"({summary})")
    for p in problems:
        print(f"ERROR {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

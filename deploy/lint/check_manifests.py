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

import kubernetes_validate
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


def selector_matches(selector, labels):
    """LabelSelector (matchLabels + matchExpressions) semantics; {} matches everything."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


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
            containers = spec.get("containers", []) + spec.get("initContainers", [])
            for c in containers:
                for src in c.get("envFrom", []):
                    if "configMapRef" in src and src["configMapRef"]["name"] not in configmaps:
                        self.fail(pid, f"envFrom ConfigMap {src['configMapRef']['name']!r} is not rendered")
                    if "secretRef" in src and src["secretRef"]["name"] not in ALLOWED_SECRETS:
                        self.fail(pid, f"envFrom Secret {src['secretRef']['name']!r} is not a documented secret")
                for env in c.get("env", []):
                    ref = env.get("valueFrom", {})
                    if "configMapKeyRef" in ref and ref["configMapKeyRef"]["name"] not in configmaps:
                        self.fail(pid, f"env {env['name']}: ConfigMap {ref['configMapKeyRef']['name']!r} is not rendered")
                    if "secretKeyRef" in ref and ref["secretKeyRef"]["name"] not in ALLOWED_SECRETS:
                        self.fail(pid, f"env {env['name']}: Secret {ref['secretKeyRef']['name']!r} is not a documented secret")
            for vol in spec.get("volumes", []):
                if "configMap" in vol and vol["configMap"]["name"] not in configmaps:
                    self.fail(pid, f"volume {vol['name']}: ConfigMap {vol['configMap']['name']!r} is not rendered")
                if "secret" in vol and vol["secret"]["secretName"] not in ALLOWED_SECRETS:
                    self.fail(pid, f"volume {vol['name']}: Secret {vol['secret']['secretName']!r} is not a documented secret")
        for ing in self.by_kind.get("Ingress", {}).values():
            for tls in ing["spec"].get("tls", []):
                if tls.get("secretName") not in ALLOWED_SECRETS:
                    self.fail(ing, f"TLS Secret {tls.get('secretName')!r} is not a documented secret")

    def check_containers(self):
        for pid, _, spec in self.pods:
            sc = spec.get("securityContext", {})
            kind = pid.split("/")[0]
            for c in spec.get("initContainers", []) + spec.get("containers", []):
                where = f"{pid} container {c['name']}"
                image = c.get("image", "")
                last = image.rsplit("/", 1)[-1]
                if "@sha256:" not in image:
                    tag = last.split(":", 1)[1] if ":" in last else ""
                    if not tag or tag == "latest" or not PINNED_TAG.match(tag):
                        self.fail(where, f"image {image!r} is not pinned to a tag or digest")
                res = c.get("resources", {})
                for part in ("requests", "limits"):
                    for r in ("cpu", "memory"):
                        if r not in res.get(part, {}):
                            self.fail(where, f"resources.{part}.{r} missing")
                csc = c.get("securityContext", {})
                if not (csc.get("runAsNonRoot", sc.get("runAsNonRoot"))):
                    self.fail(where, "runAsNonRoot is not true")
                if csc.get("runAsUser", sc.get("runAsUser")) == 0:
                    self.fail(where, "runs as UID 0")
                if csc.get("allowPrivilegeEscalation") is not False:
                    self.fail(where, "allowPrivilegeEscalation is not false")
                if "ALL" not in (csc.get("capabilities", {}).get("drop") or []):
                    self.fail(where, "capabilities do not drop ALL")
            if kind in ("Deployment", "StatefulSet"):
                for c in spec.get("containers", []):
                    where = f"{pid} container {c['name']}"
                    ports = {p.get("name") for p in c.get("ports", [])}
                    for probe in ("livenessProbe", "readinessProbe"):
                        p = c.get(probe)
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
            for port in svc["spec"].get("ports", []):
                target = port.get("targetPort")
                if isinstance(target, str):
                    for pid, _, spec in selected:
                        names = {p.get("name") for c in spec["containers"] for p in c.get("ports", [])}
                        if target not in names:
                            self.fail(svc, f"targetPort {target!r} is not a named port of {pid}")
        services = self.by_kind.get("Service", {})
        for ing in self.by_kind.get("Ingress", {}).values():
            for rule in ing["spec"].get("rules", []):
                for path in rule.get("http", {}).get("paths", []):
                    backend = path["backend"]["service"]
                    svc = services.get(backend["name"])
                    if not svc:
                        self.fail(ing, f"backend Service {backend['name']!r} is not rendered")
                        continue
                    port = backend["port"]
                    ports = svc["spec"]["ports"]
                    if "name" in port and port["name"] not in {p.get("name") for p in ports}:
                        self.fail(ing, f"backend port {port['name']!r} is not a port of Service {backend['name']}")
                    if "number" in port and port["number"] not in {p["port"] for p in ports}:
                        self.fail(ing, f"backend port {port['number']} is not a port of Service {backend['name']}")

    def check_network_policies(self):
        policies = list(self.by_kind.get("NetworkPolicy", {}).values())
        if not any(p["spec"]["podSelector"] == {} and
                   {"Ingress", "Egress"} <= set(p["spec"].get("policyTypes", []))
                   and not p["spec"].get("ingress") and not p["spec"].get("egress")
                   for p in policies):
            self.problems.append(f"{self.name}: no default-deny NetworkPolicy (ingress and egress)")
        for pol in policies:
            spec = pol["spec"]
            if spec["podSelector"] and not self.pods_selected(spec["podSelector"]):
                self.fail(pol, "podSelector matches no pod template")
            for direction, key in (("ingress", "from"), ("egress", "to")):
                for rule in spec.get(direction) or []:
                    for peer in rule.get(key) or []:
                        # Peers in this namespace must select pods that exist.
                        if "podSelector" in peer and "namespaceSelector" not in peer \
                                and not self.pods_selected(peer["podSelector"]):
                            self.fail(pol, f"{direction} peer {peer['podSelector']} matches no pod template")
        # Only pods of the gateway may be reachable from outside the namespace; the one exception
        # is Prometheus, from the monitoring namespace, on the metrics ports only (8000, 8080).
        for pol in policies:
            for rule in pol["spec"].get("ingress") or []:
                external = [p for p in rule.get("from") or [] if "namespaceSelector" in p or "ipBlock" in p]
                if not external or is_metrics_scrape(rule, external):
                    continue
                for pid, labels, _ in self.pods:
                    if selector_matches(pol["spec"]["podSelector"], labels) and \
                            not pid.startswith("Deployment/gateway"):
                        self.fail(pol, f"admits traffic from outside the namespace into {pid}")

    def run(self, versions):
        self.check_schemas(versions)
        self.check_namespaces()
        self.check_secrets_and_configmaps()
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

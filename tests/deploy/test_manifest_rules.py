"""deploy/lint/check_manifests.py: the cross-object rules (the schema step needs the deploy tools
venv and runs in deploy/lint/run.sh) on a small overlay, whole and broken one rule at a time."""
import copy
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_manifests", ROOT / "deploy/lint/check_manifests.py")
check_manifests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_manifests)

NS = "mooc-t"
LABELS = {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "gateway"}


def meta(name):
    return {"name": name, "namespace": NS}


def container():
    probe = {"httpGet": {"path": "/health", "port": "http"}}
    return {"name": "gateway", "image": "registry.example.invalid/mooc/gateway:0.1.0",
            "ports": [{"name": "http", "containerPort": 8000}],
            "envFrom": [{"configMapRef": {"name": "mooc-config"}}],
            "env": [{"name": "RABBITMQ_APP_USERNAME", "value": "mooc-gateway"},
                    {"name": "SERVICE_SIGNING_KEY",
                     "valueFrom": {"secretKeyRef": {"name": "mooc-secrets", "key": "SERVICE_SIGNING_KEY_GATEWAY"}}}],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
            "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            "livenessProbe": probe, "readinessProbe": probe}


def overlay():
    deployment = {"kind": "Deployment", "metadata": meta("gateway"), "spec": {
        "selector": {"matchLabels": LABELS}, "template": {"metadata": {"labels": dict(LABELS)}, "spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001}, "containers": [container()]}}}}
    return [
        {"kind": "Namespace", "metadata": {"name": NS}},
        {"kind": "ConfigMap", "metadata": meta("mooc-config")},
        deployment,
        {"kind": "HorizontalPodAutoscaler", "metadata": meta("gateway"), "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "gateway"}, "minReplicas": 2, "maxReplicas": 4}},
        {"kind": "PodDisruptionBudget", "metadata": meta("gateway"), "spec": {"selector": {"matchLabels": LABELS}}},
        {"kind": "Service", "metadata": meta("gateway"), "spec": {
            "selector": LABELS, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"kind": "Ingress", "metadata": meta("gateway"), "spec": {
            "tls": [{"secretName": "mooc-tls"}], "rules": [{"http": {"paths": [
                {"backend": {"service": {"name": "gateway", "port": {"name": "http"}}}}]}}]}},
        {"kind": "NetworkPolicy", "metadata": meta("default-deny-all"), "spec": {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
        {"kind": "NetworkPolicy", "metadata": meta("gateway"), "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/component": "gateway"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {}}], "ports": [{"port": 8000}]}]}},
    ]


def problems(objects):
    checker = check_manifests.Checker("t", objects)
    for rule in ("check_namespaces", "check_secrets_and_configmaps", "check_least_privilege", "check_containers",
                 "check_scaling_and_disruption", "check_services_and_ingress", "check_network_policies"):
        getattr(checker, rule)()
    return checker.problems


def find(objects, kind, name="gateway"):
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def pod(objects):
    return find(objects, "Deployment")["spec"]["template"]["spec"]


def test_a_complete_overlay_passes():
    assert problems(overlay()) == []


def _secret_and_refs(objects):
    objects.append({"kind": "Secret", "metadata": meta("leaked")})
    pod(objects)["containers"][0]["envFrom"] = [{"configMapRef": {"name": "gone"}}, {"secretRef": {"name": "x"}}]
    pod(objects)["volumes"] = [{"name": "v", "secret": {"secretName": "y"}}]


def _containers(objects):
    c = pod(objects)["containers"][0]
    c.update(image="gateway:latest", securityContext={})
    del c["resources"]["limits"], c["livenessProbe"]
    c["readinessProbe"] = {"tcpSocket": {"port": "metrics"}}
    pod(objects)["securityContext"]["runAsUser"] = 0


def _scaling(objects):
    find(objects, "HorizontalPodAutoscaler")["spec"].update(minReplicas=5, scaleTargetRef={"kind": "Deployment",
                                                                                           "name": "ghost"})
    find(objects, "PodDisruptionBudget")["spec"]["selector"] = {"matchExpressions": [
        {"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["gateway"]}]}
    find(objects, "Deployment")["spec"]["replicas"] = 3


def _services(objects):
    find(objects, "Service")["spec"]["ports"][0]["targetPort"] = "web"
    find(objects, "Ingress")["spec"]["rules"][0]["http"]["paths"] += [
        {"backend": {"service": {"name": "ghost", "port": {"number": 80}}}},
        {"backend": {"service": {"name": "gateway", "port": {"number": 81}}}}]


def _policies(objects):
    find(objects, "NetworkPolicy", "default-deny-all")["spec"]["egress"] = [{}]
    find(objects, "NetworkPolicy")["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "DoesNotExist"}]}})
    objects.append({"kind": "ConfigMap", "metadata": {"name": "elsewhere", "namespace": "other"}})


@pytest.mark.parametrize("break_it, expected", [
    (_secret_and_refs, ["Secret/leaked: a Secret is rendered: secrets must be created out of band",
                        "Deployment/gateway: envFrom ConfigMap 'gone' is not rendered",
                        "Deployment/gateway: envFrom Secret 'x' is not a documented secret",
                        "Deployment/gateway: volume v: Secret 'y' is not a documented secret"]),
    (_containers, ["Deployment/gateway container gateway: image 'gateway:latest' is not pinned to a tag or digest",
                   "Deployment/gateway container gateway: resources.limits.cpu missing",
                   "Deployment/gateway container gateway: resources.limits.memory missing",
                   "Deployment/gateway container gateway: runs as UID 0",
                   "Deployment/gateway container gateway: allowPrivilegeEscalation is not false",
                   "Deployment/gateway container gateway: capabilities do not drop ALL",
                   "Deployment/gateway container gateway: livenessProbe missing",
                   "Deployment/gateway container gateway: readinessProbe uses unknown port name 'metrics'"]),
    (_scaling, ["HorizontalPodAutoscaler/gateway: scaleTargetRef Deployment/ghost is not rendered",
                "HorizontalPodAutoscaler/gateway: minReplicas > maxReplicas",
                "PodDisruptionBudget/gateway: selector matches no pod template",
                "Deployment/gateway: no PodDisruptionBudget selects its pods",
                "Deployment/gateway: expected exactly one HorizontalPodAutoscaler, found 0",
                "Deployment/gateway: spec.replicas is set although an HPA owns the replica count"]),
    (_services, ["Service/gateway: targetPort 'web' is not a named port of Deployment/gateway",
                 "Ingress/gateway: backend Service 'ghost' is not rendered",
                 "Ingress/gateway: backend port 81 is not a port of Service gateway"]),
    (_policies, ["ConfigMap/elsewhere: namespace 'other' is not the overlay's namespace ['mooc-t']",
                 "no default-deny NetworkPolicy (ingress and egress)",
                 "NetworkPolicy/gateway: ingress peer {'matchExpressions': [{'key': 'app.kubernetes.io/name', "
                 "'operator': 'DoesNotExist'}]} matches no pod template"]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_each_broken_rule_is_reported(break_it, expected):
    objects = copy.deepcopy(overlay())
    break_it(objects)
    assert problems(objects) == [f"t: {p}" for p in expected]


def test_only_the_gateway_is_reachable_from_outside_the_namespace():
    objects = overlay()
    find(objects, "NetworkPolicy")["spec"]["podSelector"] = {
        "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In", "values": ["gateway", "x"]}]}
    objects.append(dict(copy.deepcopy(find(objects, "Deployment")), metadata=meta("worker")))
    assert "t: NetworkPolicy/gateway: admits traffic from outside the namespace into Deployment/worker" in problems(
        objects)


@pytest.mark.parametrize("selector, matches", [
    ({}, True), ({"matchLabels": {"a": "1"}}, True), ({"matchLabels": {"a": "2"}}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, False),
    ({"matchExpressions": [{"key": "b", "operator": "Exists"}]}, False),
    ({"matchExpressions": [{"key": "b", "operator": "DoesNotExist"}]}, True),
])
def test_label_selectors(selector, matches):
    assert check_manifests.selector_matches(selector, {"a": "1"}) is matches

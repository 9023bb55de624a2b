#!/usr/bin/python3
"""Checks the Kubernetes manifests in cluster/k8s: they parse, and they keep
the promises the operations docs make:
- the Deployment: readiness on /readyz, liveness on /healthz, both on the
  port that serves them (the internal port when SIGNALMESH_INTERNAL_PORT is
  set, bound to an address the kubelet reaches); a preStop sleep longer than
  endpoint propagation (>= 5 s) and a grace period longer than that sleep
  plus the drain deadline; a securityContext that runs as UID 10001, not
  root, read-only root filesystem, no privilege escalation, every capability
  dropped, the RuntimeDefault seccomp profile; only emptyDir volumes
  writable, /tmp one of them; CPU and memory requests and a memory limit
  above the request; no service account token; every SIGNALMESH_* variable
  one of the README's flag table, each value a string;
- a PodDisruptionBudget (policy/v1, maxUnavailable 1) that selects the pods;
- the public Service selects the pods and exposes the public port only;
- an internal ClusterIP Service selects the pods and targets the port that
  serves /metrics, with prometheus.io annotations naming that port.
  tests/deploy/check_manifests.py cluster/k8s"""
import pathlib
import re
import sys

import yaml

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


MEMORY_UNITS = {"": 1, "k": 1000, "M": 1000**2, "G": 1000**3,
                "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}


def memory_bytes(quantity):
    m = re.fullmatch(r"([0-9]+)(k|M|G|Ki|Mi|Gi)?", str(quantity))
    return int(m.group(1)) * MEMORY_UNITS[m.group(2) or ""] if m else None


here = pathlib.Path(__file__).resolve().parent
readme = (here / "../../README.md").read_text()
flag_variables = {m.group(1) for line in readme.splitlines() if line.startswith("| `--")
                  for m in [re.search(r"\| `(SIGNALMESH_[A-Z0-9_]+)` \|", line)] if m}

root = pathlib.Path(sys.argv[1])
docs = []
for path in sorted(root.glob("*.yaml")):
    docs += [d for d in yaml.safe_load_all(path.read_text()) if d]


def of_kind(kind):
    return [d for d in docs if d.get("kind") == kind]


def main():
    deployments = of_kind("Deployment")
    if not check(len(deployments) == 1, "one Deployment"):
        return
    deployment = deployments[0]
    pod = deployment["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    spec = pod["spec"]
    check(selects(deployment["spec"]["selector"]["matchLabels"], pod_labels),
          "the Deployment's selector selects its own pods")
    container = spec["containers"][0]

    # The environment: real flags, string values.
    env = {e["name"]: e for e in container.get("env", [])}
    check(len(flag_variables) > 40, "the README's flag table was read")
    for name, e in env.items():
        if name.startswith("SIGNALMESH_"):
            check(name in flag_variables, f"{name} is a flag variable (README)")
        if "value" in e:
            check(isinstance(e["value"], str), f"{name}'s value is a string")

    def setting(name, default):
        return str(env.get(name, {}).get("value", default))

    check("SIGNALMESH_REDIS_URL" in env and "secretKeyRef" in env["SIGNALMESH_REDIS_URL"].get("valueFrom", {}),
          "Redis referenced by URL, from a Secret")

    # Ports: which one serves the probes and /metrics.
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}

    def container_port(ref):
        return ports.get(ref) if isinstance(ref, str) else ref

    public_port = int(setting("SIGNALMESH_PORT", "8080"))
    check(ports.get("http") == public_port, "the http port is SIGNALMESH_PORT")
    internal = setting("SIGNALMESH_INTERNAL_PORT", "")
    if internal:
        operator_port = int(internal)
        check(operator_port in ports.values() and operator_port != public_port,
              "the internal port is a container port of its own")
        host = env.get("SIGNALMESH_INTERNAL_HOST", {})
        reachable = host.get("value") in ("0.0.0.0", "::") or \
            host.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "status.podIP"
        check(reachable, "SIGNALMESH_INTERNAL_HOST lets the kubelet and Prometheus reach the internal port")
    else:
        operator_port = public_port

    # Probes.
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path, f"{probe} on {path}")
        check(container_port(get.get("port")) == operator_port,
              f"{probe} on the port that serves {path} ({operator_port})")

    # Termination: preStop sleep, then the drain, inside the grace period.
    drain_ms = int(setting("SIGNALMESH_DRAIN_TIMEOUT_MS", "10000"))
    grace_ms = spec.get("terminationGracePeriodSeconds", 30) * 1000
    check(grace_ms > drain_ms, "terminationGracePeriodSeconds covers the drain deadline")
    pre_stop = container.get("lifecycle", {}).get("preStop", {})
    sleep_s = None
    if "sleep" in pre_stop:
        sleep_s = pre_stop["sleep"].get("seconds")
    else:
        command = pre_stop.get("exec", {}).get("command", [])
        if len(command) == 2 and command[0].rsplit("/", 1)[-1] == "sleep" and command[1].isdigit():
            sleep_s = int(command[1])
    if check(isinstance(sleep_s, int), "a preStop sleep"):
        check(sleep_s >= 5, "the preStop sleep (>= 5 s) outlasts endpoint propagation")
        check(sleep_s * 1000 < grace_ms - drain_ms,
              f"preStop sleep {sleep_s} s < terminationGracePeriodSeconds - drain "
              f"({grace_ms / 1000:g} s - {drain_ms / 1000:g} s)")

    # Security.
    pod_security = spec.get("securityContext", {})
    security = container.get("securityContext", {})

    def effective(key):
        return security.get(key, pod_security.get(key))

    check(effective("runAsNonRoot") is True, "runAsNonRoot")
    check(effective("runAsUser") == 10001, "runAsUser 10001")
    check(security.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem")
    check(security.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation false")
    check(security.get("privileged") in (None, False), "not privileged")
    capabilities = security.get("capabilities", {})
    check("ALL" in capabilities.get("drop", []), "every capability dropped")
    check(not capabilities.get("add"), "no capability added")
    check((effective("seccompProfile") or {}).get("type") == "RuntimeDefault",
          "the RuntimeDefault seccomp profile")
    check(spec.get("automountServiceAccountToken") is False, "no service account token in the pods")
    check(not spec.get("hostNetwork") and not spec.get("hostPID"), "no host namespaces")
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    writable = []
    for mount in container.get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})
        if not mount.get("readOnly"):
            check("emptyDir" in volume, f"the writable mount {mount['mountPath']} is an emptyDir")
            writable.append(mount["mountPath"])
    check("/tmp" in writable, "/tmp is a writable emptyDir")

    # Resources.
    resources = container.get("resources", {})
    requests, limits = resources.get("requests", {}), resources.get("limits", {})
    check("cpu" in requests and "memory" in requests, "CPU and memory requests")
    if check("memory" in limits, "a memory limit") and "memory" in requests:
        low, high = memory_bytes(requests["memory"]), memory_bytes(limits["memory"])
        check(low is not None and high is not None and low <= high,
              "the memory request is within the limit")

    # PodDisruptionBudget.
    budgets = of_kind("PodDisruptionBudget")
    if check(len(budgets) == 1, "a PodDisruptionBudget"):
        budget = budgets[0]
        check(budget["apiVersion"] == "policy/v1", "the PodDisruptionBudget is policy/v1")
        check(budget["spec"].get("maxUnavailable") == 1, "the PodDisruptionBudget allows maxUnavailable 1")
        check(deployment["spec"].get("replicas", 1) > 1, "more than one replica, so a disruption leaves pods")
        check(selects(budget["spec"].get("selector", {}).get("matchLabels", {}), pod_labels),
              "the PodDisruptionBudget selects the pods")

    # Services.
    services = {s["metadata"]["name"]: s for s in of_kind("Service")}
    public = services.get("signalmesh")
    if check(public is not None, "the public Service signalmesh"):
        check(selects(public["spec"].get("selector"), pod_labels), "the public Service selects the pods")
        targets = [container_port(p.get("targetPort", p["port"])) for p in public["spec"]["ports"]]
        check(targets == [public_port], "the public Service targets the public port only")
    metrics = services.get("signalmesh-metrics")
    if check(metrics is not None, "the internal Service signalmesh-metrics"):
        check(metrics["spec"].get("type", "ClusterIP") == "ClusterIP", "signalmesh-metrics is a ClusterIP")
        check(selects(metrics["spec"].get("selector"), pod_labels), "signalmesh-metrics selects the pods")
        targets = [container_port(p.get("targetPort", p["port"])) for p in metrics["spec"]["ports"]]
        check(targets == [operator_port], f"signalmesh-metrics targets the port serving /metrics ({operator_port})")
        notes = metrics["metadata"].get("annotations", {})
        check(notes.get("prometheus.io/scrape") == "true", "prometheus.io/scrape: \"true\"")
        check(notes.get("prometheus.io/port") == str(operator_port), "prometheus.io/port is the metrics port")
        check(notes.get("prometheus.io/path") == "/metrics", "prometheus.io/path: /metrics")


try:
    main()
except (KeyError, TypeError, IndexError, ValueError, AttributeError) as e:
    failures.append(f"a manifest lacks a field or has the wrong shape: {e!r}")
for f in failures:
    print("manifest check failed:", f)
print(f"{len(docs)} manifests checked, {len(failures)} failed")
sys.exit(1 if failures else 0)

#!/usr/bin/python3
"""Checks the Kubernetes manifests in cluster/k8s: they parse, and the
Deployment keeps the promises the operations docs make (readiness on /readyz,
liveness on /healthz, a grace period that covers the drain deadline)."""
import sys
import pathlib
import yaml

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


root = pathlib.Path(sys.argv[1])
docs = []
for path in sorted(root.glob("*.yaml")):
    docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
kinds = {d["kind"]: d for d in docs}
check("Deployment" in kinds, "a Deployment")
check("Service" in kinds, "a Service")
spec = kinds["Deployment"]["spec"]["template"]["spec"]
container = spec["containers"][0]
check(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness on /readyz")
check(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness on /healthz")
env = {e["name"]: e for e in container.get("env", [])}
drain_ms = int(env.get("SIGNALMESH_DRAIN_TIMEOUT_MS", {}).get("value", "10000"))
check(spec["terminationGracePeriodSeconds"] * 1000 > drain_ms,
      "terminationGracePeriodSeconds covers the drain deadline")
check("SIGNALMESH_REDIS_URL" in env, "Redis referenced by URL")
check(kinds["Service"]["spec"]["selector"] == kinds["Deployment"]["spec"]["selector"]["matchLabels"],
      "the Service selects the Deployment's pods")
for f in failures:
    print("manifest check failed:", f)
print(f"{len(docs)} manifests checked, {len(failures)} failed")
sys.exit(1 if failures else 0)

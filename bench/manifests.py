"""Generate the `lint` corpus: exactly N Kubernetes manifests (documents) in YAML and JSON files,
as a repository of Windows node tooling would hold them. Deterministic (seeded).

Mix (share of documents): HostProcess DaemonSets, correct (25%) or with a mistake lint must catch
(15%: no hostNetwork, a bad runAsUserName, mixed HostProcess/normal containers, a Linux-only field,
no Windows selector, a container-level hostProcess=false); HostProcess Pods, Jobs and CronJobs
(10%); ordinary Linux Deployments (20%); Services and ConfigMaps, which lint skips (20%);
StatefulSets, ReplicaSets, ReplicationControllers, PodTemplates and a `List` (10%).
Files: one document, or 2-8 documents separated by `---` (multi-doc), and some JSON.

    python3 manifests.py OUTDIR [COUNT]     prints "<files> <documents> <bytes>"
"""

import json
import os
import random
import shutil
import sys

HPC_IMAGE = "mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0"


def hostprocess_pod_spec(rnd, name, mistake=None):
    user = rnd.choice(["NT AUTHORITY\\\\SYSTEM", "NT AUTHORITY\\\\Local service", "NT AUTHORITY\\\\NetworkService"])
    lines = [
        "      os:",
        "        name: windows",
        "      hostNetwork: true" if mistake != "no-host-network" else "      dnsPolicy: ClusterFirst",
        "      securityContext:",
        "        windowsOptions:",
        "          hostProcess: true",
        f'          runAsUserName: "{user if mistake != "bad-user" else "SYSTEM"}"',
    ]
    if mistake != "no-selector":
        lines += ["      nodeSelector:", "        kubernetes.io/os: windows"]
    lines += [
        "      tolerations:",
        "      - operator: Exists",
        "      priorityClassName: system-node-critical",
        "      containers:",
        f"      - name: {name}",
        f"        image: {HPC_IMAGE}",
        '        command: ["powershell.exe", "-NoLogo", "-NoProfile", "-File", "$env:CONTAINER_SANDBOX_MOUNT_POINT/agent.ps1"]',
        "        env:",
        "        - name: NODE_NAME",
        "          valueFrom:",
        "            fieldRef: {fieldPath: spec.nodeName}",
        "        - {name: LOG_LEVEL, value: info}",
        "        resources:",
        f"          requests: {{cpu: {rnd.choice([10, 50, 100])}m, memory: {rnd.choice([32, 64, 128])}Mi}}",
        "          limits: {cpu: 500m, memory: 512Mi}",
        "        volumeMounts:",
        "        - {name: config, mountPath: /etc/agent}",
    ]
    if mistake == "linux-field":
        lines += ["        securityContext:", "          privileged: true"]
    if mistake == "container-false":
        lines += ["        securityContext:", "          windowsOptions:", "            hostProcess: false"]
    if mistake == "mixed":
        lines += [
            "      - name: sidecar",
            "        image: mcr.microsoft.com/windows/nanoserver:ltsc2022",
            "        securityContext:",
            "          windowsOptions:",
            "            hostProcess: false",
        ]
    lines += ["      volumes:", "      - name: config", "        configMap:", f"          name: {name}-config"]
    return lines


def shift(lines, by):
    """Re-indent lines (given at 6 spaces, the depth of spec.template.spec's fields) by `by`."""
    return [(" " * by + l) if by >= 0 else l[-by:] for l in lines]


def workload(rnd, kind, name, ns, mistake=None):
    api = {"Job": "batch/v1", "CronJob": "batch/v1", "ReplicationController": "v1"}.get(kind, "apps/v1")
    head = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {name}", f"  namespace: {ns}",
            "  labels:", f"    app.kubernetes.io/name: {name}", "    app.kubernetes.io/part-of: windows-node-agents",
            "spec:"]
    pod = hostprocess_pod_spec(rnd, name, mistake)
    if kind == "CronJob":
        return head + ['  schedule: "0 3 * * *"', "  jobTemplate:", "    spec:", "      template:",
                       "        spec:", "          restartPolicy: OnFailure"] + shift(pod, 4)
    if kind == "Job":
        return head + ["  backoffLimit: 2", "  template:", "    spec:", "      restartPolicy: Never"] + pod
    if kind == "ReplicationController":
        sel = ["  selector:", f"    app: {name}"]
    else:
        sel = ["  selector:", "    matchLabels:", f"      app: {name}"]
    if kind == "DaemonSet":
        extra = ["  updateStrategy:", "    type: RollingUpdate", "    rollingUpdate: {maxUnavailable: 10%}"]
    else:
        extra = ["  replicas: 1"] + ([f"  serviceName: {name}"] if kind == "StatefulSet" else [])
    return head + sel + extra + ["  template:", "    metadata:", "      labels:", f"        app: {name}",
                                 "    spec:"] + pod


def hostprocess_pod(rnd, name, ns):
    return ["apiVersion: v1", "kind: Pod", "metadata:", f"  name: {name}", f"  namespace: {ns}", "spec:",
            "  restartPolicy: Never"] + shift(hostprocess_pod_spec(rnd, name), -4)


def pod_template(rnd, name, ns):
    return ["apiVersion: v1", "kind: PodTemplate", "metadata:", f"  name: {name}", f"  namespace: {ns}",
            "template:", "  spec:"] + shift(hostprocess_pod_spec(rnd, name), -2)


def linux_deployment(rnd, name, ns):
    return [
        "apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {name}", f"  namespace: {ns}", "spec:",
        f"  replicas: {rnd.randint(1, 5)}", "  selector:", "    matchLabels:", f"      app: {name}", "  template:",
        "    metadata:", "      labels:", f"        app: {name}", "    spec:", "      nodeSelector:",
        "        kubernetes.io/os: linux", "      containers:", f"      - name: {name}",
        f"        image: registry.example.com/{name}:{rnd.randint(1, 9)}.{rnd.randint(0, 20)}.0",
        "        ports:", f"        - containerPort: {rnd.choice([80, 8080, 9090])}", "        readinessProbe:",
        "          httpGet: {path: /healthz, port: 8080}", "        resources:",
        "          requests: {cpu: 100m, memory: 128Mi}", "        securityContext:",
        "          runAsNonRoot: true", "          allowPrivilegeEscalation: false",
    ]


def service(rnd, name, ns):
    return ["apiVersion: v1", "kind: Service", "metadata:", f"  name: {name}", f"  namespace: {ns}", "spec:",
            "  selector:", f"    app: {name}", "  ports:", f"  - port: {rnd.choice([80, 443, 9182])}",
            "    targetPort: metrics"]


def configmap(rnd, name, ns):
    return ["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {name}-config", f"  namespace: {ns}",
            "data:", "  agent.yaml: |", "    interval: 30s", f"    level: {rnd.choice(['info', 'debug'])}",
            "    outputs: [prometheus]"]


MISTAKES = ["no-host-network", "bad-user", "mixed", "linux-field", "no-selector", "container-false"]


def document(rnd, n):
    """(kind label, lines) for document number n."""
    name = f"agent-{n:04d}"
    ns = rnd.choice(["kube-system", "monitoring", "windows-tools", "networking", "storage"])
    r = rnd.random()
    if r < 0.25:
        return workload(rnd, "DaemonSet", name, ns)
    if r < 0.40:
        return workload(rnd, "DaemonSet", name, ns, rnd.choice(MISTAKES))
    if r < 0.44:
        return hostprocess_pod(rnd, name, ns)
    if r < 0.47:
        return workload(rnd, "Job", name, ns)
    if r < 0.50:
        return workload(rnd, "CronJob", name, ns)
    if r < 0.70:
        return linux_deployment(rnd, name, ns)
    if r < 0.80:
        return service(rnd, name, ns)
    if r < 0.90:
        return configmap(rnd, name, ns)
    return rnd.choice([
        lambda: workload(rnd, "StatefulSet", name, ns),
        lambda: workload(rnd, "ReplicaSet", name, ns),
        lambda: workload(rnd, "ReplicationController", name, ns),
        lambda: pod_template(rnd, name, ns),
    ])()


def hostprocess_daemonset(name, ns, container):
    """A HostProcess DaemonSet running `container` on every Windows node."""
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "os": {"name": "windows"}, "hostNetwork": True,
                    "securityContext": {"windowsOptions": {"hostProcess": True, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
                    "nodeSelector": {"kubernetes.io/os": "windows"},
                    "tolerations": [{"operator": "Exists"}],
                    "containers": [container],
                },
            },
        },
    }


def json_daemonset(n):
    name = f"agent-{n:04d}"
    return hostprocess_daemonset(name, "kube-system", {"name": name, "image": HPC_IMAGE,
                                                      "command": ["cmd.exe", "/c", "C:\\hpc\\agent.exe"]})


def generate(out, count=1000, seed=1000):
    rnd = random.Random(seed)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    n = files = nbytes = 0
    while n < count:
        r = rnd.random()
        sub = os.path.join(out, rnd.choice(["base", "overlays/prod", "overlays/test", "charts/agents"]))
        os.makedirs(sub, exist_ok=True)
        if r < 0.05:  # JSON: one object, or a List
            k = min(rnd.randint(1, 4), count - n)
            items = [json_daemonset(n + j) for j in range(k)]
            doc = items[0] if k == 1 else {"apiVersion": "v1", "kind": "List", "items": items}
            text = json.dumps(doc, indent=2) + "\n"
            path = os.path.join(sub, f"m{files:04d}.json")
            n += k
        else:
            k = 1 if r < 0.55 else rnd.randint(2, 8)
            k = min(k, count - n)
            docs = ["\n".join(document(rnd, n + j)) for j in range(k)]
            text = "---\n" + "\n---\n".join(docs) + "\n"
            path = os.path.join(sub, f"m{files:04d}.yaml")
            n += k
        with open(path, "w") as f:
            f.write(text)
        files += 1
        nbytes += len(text)
    return files, n, nbytes


if __name__ == "__main__":
    f, d, b = generate(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    print(f, d, b)

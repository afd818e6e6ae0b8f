"""Bulk objects for the scale benchmark: HostProcess pods (healthy and stuck), their events, and
Pod-Security-rejected DaemonSets. Stdlib only; talks to the API server directly (kapi.Api).

Mix, by a hash of the pod index i (mod 200), the same stuck kinds as testenv/scenarios:
  0-3   pending      no node fits (nodeSelector windows-build 10.0.14393): the REAL kube-scheduler
                     sets PodScheduled=False/Unschedulable and records FailedScheduling (HP009)
  4-7   image        ImagePullBackOff, `no match for platform in manifest` (HP017)        posted
  8-10  logon        RunContainerError, `failed to logon user` (HP006)                    posted
  11-13 executable   CrashLoopBackOff after StartError `failed to find executable` (HP016) posted
  14-17 crashloop    CrashLoopBackOff, last exit code 1 (HP019)                          posted
  18-19 sandbox      ContainerCreating, FailedCreatePodSandBox (HP019)                    posted
  else  healthy      Running through kwok; every 20th has a recurring Warning `Unhealthy` (the
                     noise a real cluster has; older events are gone after --event-ttl, 1 h)
"posted" pods carry testenv.local/kubelet=simulated so kwok leaves them alone, and get the status
and events a Windows kubelet would post (testenv/scenarios/README.md, "How posted pods work").
PSA: DaemonSets in namespaces enforcing `baseline`; the REAL kube-controller-manager fails every
pod create and records FailedCreate (HP007).
"""

import concurrent.futures as cf
import hashlib
import json
import resource
import time

import manifests
from kapi import ApiError

IMAGE = "mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0"
APPS = [
    "windows-exporter", "calico-node-windows", "csi-smb-node-win", "kube-proxy-windows", "fluent-bit-win",
    "node-problem-detector-win", "ip-masq-agent-win", "hns-monitor", "gmsa-webhook-node", "log-forwarder",
]
KIND_OF = (["pending"] * 4 + ["image"] * 4 + ["logon"] * 3 + ["executable"] * 3 + ["crashloop"] * 4
           + ["sandbox"] * 2)
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def kind_of(i):
    # A hash, not i % 200: the pod's node and namespace are derived from i too, and stuck pods
    # should be spread over every node and namespace.
    r = int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=4).digest(), "big") % 200
    return KIND_OF[r] if r < len(KIND_OF) else "healthy"


def suffix(i, n=5):
    """A unique 5-character pod-name suffix for index i (like a controller's random suffix)."""
    out = []
    x = i * 7919 + 104729  # spread neighbours
    for _ in range(n):
        out.append(ALPHABET[x % 27])
        x //= 27
    return "".join(out)


def fake_id(seed):
    return hashlib.sha256(seed.encode()).hexdigest()


def now_ts():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def app_namespace(k):
    return f"bench-app{k:02d}"


def app_name(k):
    return APPS[k % len(APPS)] + (f"-{k // len(APPS)}" if k >= len(APPS) else "")


def pod_object(i, kind, node, k, ns):
    app = app_name(k)
    name = f"{app}-{suffix(i)}"
    labels = {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/part-of": "windows-node-agents",
        "controller-revision-hash": fake_id(app)[:10],
        "pod-template-generation": "1",
        "bench.local/kind": kind,
    }
    annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": "9182"}
    run_as = "NT AUTHORITY\\SYSTEM"
    image = IMAGE
    command = ["powershell.exe", "-NoLogo", "-NoProfile", "-Command", "while ($true) { Start-Sleep 60 }"]
    selector = {"kubernetes.io/os": "windows"}
    if kind != "healthy" and kind != "pending":
        annotations["testenv.local/kubelet"] = "simulated"
    if kind == "logon":
        run_as = "nt authority\\system"
    elif kind == "image":
        image = "mcr.microsoft.com/windows/nanoserver:1809"
        command = ["cmd.exe", "/c", "ping -t localhost"]
    elif kind == "executable":
        image = "registry.example.com/tools/agent:1.4.2"
        command = ["C:\\app\\agent.exe", "--config", "agent.yaml"]
    elif kind == "pending":
        selector = {"kubernetes.io/os": "windows", "node.kubernetes.io/windows-build": "10.0.14393"}
    spec = {
        "hostNetwork": True,
        "os": {"name": "windows"},
        "securityContext": {"windowsOptions": {"hostProcess": True, "runAsUserName": run_as}},
        "nodeSelector": selector,
        "tolerations": [{"operator": "Exists"}],
        "containers": [{
            "name": "agent",
            "image": image,
            "command": command,
            "env": [
                {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                {"name": "LOG_LEVEL", "value": "info"},
                {"name": "AGENT_PORT", "value": "9182"},
            ],
            "ports": [{"name": "metrics", "containerPort": 9182, "hostPort": 9182, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
        }],
    }
    if kind != "pending":
        spec["nodeName"] = node
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "annotations": annotations},
        "spec": spec,
    }


def container_status(image, restarts, waiting_reason, waiting_message, last=None, cid=None):
    cs = {"name": "agent", "image": image, "imageID": "", "ready": False, "started": False,
          "restartCount": restarts, "state": {"waiting": {"reason": waiting_reason}}}
    if waiting_message:
        cs["state"]["waiting"]["message"] = waiting_message
    if last:
        cs["containerID"] = f"containerd://{cid}"
        cs["lastState"] = {"terminated": dict(last, containerID=f"containerd://{cid}")}
    return cs


def pod_status(phase, ready_to_start, cs):
    t = now_ts()
    cond = lambda typ, st, **kw: dict({"type": typ, "status": st, "lastTransitionTime": t}, **kw)  # noqa: E731
    st = {
        "phase": phase, "startTime": t, "hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}],
        "conditions": [
            cond("PodReadyToStartContainers", "True" if ready_to_start else "False"),
            cond("Initialized", "True"),
            cond("Ready", "False", reason="ContainersNotReady", message="containers with unready status: [agent]"),
            cond("ContainersReady", "False", reason="ContainersNotReady", message="containers with unready status: [agent]"),
            cond("PodScheduled", "True"),
        ],
        "containerStatuses": [cs],
    }
    if ready_to_start:
        st["podIP"], st["podIPs"] = "127.0.0.1", [{"ip": "127.0.0.1"}]
    return {"status": st}


def stuck_status_and_events(kind, pod, uid):
    """(status patch or None, [(type, reason, message, fieldPath, count)]) for a posted pod."""
    ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    image = pod["spec"]["containers"][0]["image"]
    fp = "spec.containers{agent}"
    t = now_ts()
    if kind == "image":
        pull = (f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": '
                "no match for platform in manifest: not found")
        cs = container_status(image, 0, "ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: {pull}')
        return pod_status("Pending", True, cs), [
            ("Normal", "Pulling", f'Pulling image "{image}"', fp, 4),
            ("Warning", "Failed", f'Failed to pull image "{image}": {pull}', fp, 4),
            ("Warning", "Failed", "Error: ErrImagePull", fp, 4),
            ("Normal", "BackOff", f'Back-off pulling image "{image}"', fp, 9),
            ("Warning", "Failed", "Error: ImagePullBackOff", fp, 9),
        ]
    if kind == "logon":
        cid = fake_id(f"{ns}/{name}/agent")
        err = (f'failed to start containerd task "{cid}": failed to create user process token: '
               "failed to logon user: The user name or password is incorrect.: unknown")
        last = {"exitCode": 128, "reason": "StartError", "message": err,
                "startedAt": "1970-01-01T00:00:00Z", "finishedAt": t}
        cs = container_status(image, 1, "RunContainerError", err, last, cid)
        return pod_status("Pending", True, cs), [
            ("Normal", "Pulled", f'Container image "{image}" already present on machine', fp, 2),
            ("Normal", "Created", "Created container: agent", fp, 2),
            ("Warning", "Failed", f"Error: {err}", fp, 2),
        ]
    if kind == "executable":
        cid = fake_id(f"{ns}/{name}/agent/4")
        err = (f'failed to start containerd task "{cid}": failed to get application name from commandline '
               '"C:\\app\\agent.exe": failed to find executable "C:\\app\\agent.exe": unknown')
        last = {"exitCode": 128, "reason": "StartError", "message": err,
                "startedAt": "1970-01-01T00:00:00Z", "finishedAt": t}
        cs = container_status(image, 4, "CrashLoopBackOff",
                              f"back-off 1m20s restarting failed container=agent pod={name}_{ns}({uid})", last, cid)
        return pod_status("Pending", True, cs), [
            ("Normal", "Pulled", f'Container image "{image}" already present on machine', fp, 5),
            ("Normal", "Created", "Created container: agent", fp, 5),
            ("Warning", "Failed", f"Error: {err}", fp, 5),
            ("Warning", "BackOff", f"Back-off restarting failed container agent in pod {name}_{ns}({uid})", fp, 11),
        ]
    if kind == "crashloop":
        cid = fake_id(f"{ns}/{name}/agent/7")
        last = {"exitCode": 1, "reason": "Error", "startedAt": t, "finishedAt": t}
        cs = container_status(image, 7, "CrashLoopBackOff",
                              f"back-off 5m0s restarting failed container=agent pod={name}_{ns}({uid})", last, cid)
        return pod_status("Running", True, cs), [
            ("Normal", "Pulled", f'Container image "{image}" already present on machine', fp, 8),
            ("Normal", "Created", "Created container: agent", fp, 8),
            ("Normal", "Started", "Started container agent", fp, 8),
            ("Warning", "BackOff", f"Back-off restarting failed container agent in pod {name}_{ns}({uid})", fp, 31),
        ]
    if kind == "sandbox":
        sid = fake_id(f"{ns}/{name}/sandbox")
        cs = container_status(image, 0, "ContainerCreating", "")
        return pod_status("Pending", False, cs), [
            ("Warning", "FailedCreatePodSandBox",
             f'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sid}": '
             'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: '
             "The system cannot find the path specified.", "", 17),
        ]
    raise ValueError(kind)


def event_object(pod, uid, n, typ, reason, message, field_path, count):
    ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    node = pod["spec"].get("nodeName", "")
    t = now_ts()
    io = {"apiVersion": "v1", "kind": "Pod", "namespace": ns, "name": name, "uid": uid}
    if field_path:
        io["fieldPath"] = field_path
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{name}.{fake_id(f'{uid}/{n}')[:16]}", "namespace": ns},
        "involvedObject": io, "type": typ, "reason": reason, "message": message,
        "source": {"component": "kubelet", "host": node}, "reportingComponent": "kubelet",
        "reportingInstance": node, "firstTimestamp": t, "lastTimestamp": t, "count": count,
    }


def ensure_namespace(api, name, level="privileged"):
    api.post("/api/v1/namespaces", {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": {"pod-security.kubernetes.io/enforce": level,
                                               "bench.local/owned": "true"}},
    }, allow=(409,))


def wait_service_accounts(api, namespaces, timeout=120):
    deadline = time.time() + timeout
    for ns in namespaces:
        while api.get(f"/api/v1/namespaces/{ns}/serviceaccounts/default", allow=(404,)) is None:
            if time.time() > deadline:
                raise RuntimeError(f"namespace {ns}: no default ServiceAccount after {timeout}s")
            time.sleep(0.3)


def create_one(api, i, nodes, per_node):
    """Create pod i (and its status and events). Returns the number of events posted."""
    kind = kind_of(i)
    node = nodes[i % len(nodes)]
    k = (i // len(nodes)) % per_node if per_node else 0
    ns = app_namespace(k)
    pod = pod_object(i, kind, node, k, ns)
    path = f"/api/v1/namespaces/{ns}/pods"
    try:
        created = api.post(path, pod)
    except ApiError as e:
        if e.status != 409:
            raise
        return 0  # already there (a rerun)
    uid = created["metadata"]["uid"]
    events = []
    if kind == "healthy":
        # A pod that has run for longer than the API server's --event-ttl (1 h) has no events left;
        # only recurring ones (a flapping probe) stay.
        if i % 20 == 7:
            events.append(("Warning", "Unhealthy",
                           "Readiness probe failed: Get \"http://127.0.0.1:9182/health\": context deadline exceeded "
                           "(Client.Timeout exceeded while awaiting headers)", "spec.containers{agent}", 3))
    elif kind != "pending":
        status, events = stuck_status_and_events(kind, pod, uid)
        api.merge_patch(f"{path}/{pod['metadata']['name']}/status", status)
    for n, (typ, reason, msg, fp, count) in enumerate(events):
        api.post(f"/api/v1/namespaces/{ns}/events", event_object(pod, uid, n, typ, reason, msg, fp, count))
    return len(events)


def psa_daemonset(name, ns):
    return manifests.hostprocess_daemonset(name, ns, {
        "name": "agent", "image": IMAGE,
        "command": ["powershell.exe", "-NoLogo", "-NoProfile", "-Command", "while ($true) { Start-Sleep 60 }"]})


def populate(api, first, count, nodes, per_node, psa_first, psa_count, workers=12, log=print, procs=1,
             server_cpu=None):
    """Create pods [first, first+count) over `nodes`, and PSA DaemonSets [psa_first, +psa_count),
    from `procs` processes of `workers` threads. server_cpu: a callable returning the plane's CPU
    seconds per component, to report where the setup time goes."""
    for k in range(per_node):
        ensure_namespace(api, app_namespace(k))
    psa = [(f"bench-psa{j:02d}", f"hp-agent-{j:02d}") for j in range(psa_first, psa_first + psa_count)]
    for ns, _ in psa:
        ensure_namespace(api, ns, "baseline")
    wait_service_accounts(api, [app_namespace(k) for k in range(per_node)] + [ns for ns, _ in psa])
    for ns, name in psa:
        try:
            api.post(f"/apis/apps/v1/namespaces/{ns}/daemonsets", psa_daemonset(name, ns))
        except ApiError as e:
            if e.status != 409:
                raise
    t0 = time.time()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    server0 = server_cpu() if server_cpu else {}
    procs = max(1, procs)
    # Client processes, each with its own threads and connections: one Python process is held
    # by its GIL (JSON encoding, TLS) well before the API server is (measured: see README).
    if procs == 1:
        events = _create_range(api, range(first, first + count), nodes, per_node, workers, log, count)
    else:
        import multiprocessing as mp
        global _JOB
        # Forked workers inherit the job (an SSL context does not pickle); only indices travel.
        _JOB = (api, first, count, procs, nodes, per_node, workers)
        with mp.get_context("fork").Pool(procs) as pool:
            events = sum(pool.map(_create_range_child, range(procs)))
        _JOB = None
    took = time.time() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(cpu0, cpu1))
    server1 = server_cpu() if server_cpu else {}
    res = {"pods": count, "events": events, "psa_daemonsets": psa_count, "seconds": round(took, 1),
           "procs": procs, "threads_per_proc": workers,
           "seconds_per_1000_pods": round(took / max(count, 1) * 1000, 2),
           "client_cpu_s": round(client_cpu, 1),
           "plane_cpu_s": {k: round(server1[k] - v, 1) for k, v in server0.items() if k in server1}}
    log(f"  {count} pods in {took:.0f} s ({res['seconds_per_1000_pods']} s per 1,000; client CPU "
        f"{client_cpu:.0f} s, plane CPU {res['plane_cpu_s']})")
    return res


_JOB = None


def _create_range_child(p):
    api, first, count, procs, nodes, per_node, workers = _JOB
    return _create_range(api.clone(), range(first + p, first + count, procs), nodes, per_node, workers, None, 0)


def _create_range(api, indices, nodes, per_node, workers, log, total):
    t0 = time.time()
    events = done = 0
    with cf.ThreadPoolExecutor(max_workers=workers) as ex:
        futures = [ex.submit(create_one, api, i, nodes, per_node) for i in indices]
        for f in cf.as_completed(futures):
            events += f.result()
            done += 1
            if log and done % 2000 == 0:
                log(f"  {done}/{total} pods created ({done / (time.time() - t0):.0f}/s)")
    return events


def wait_settled(api, timeout, log=print):
    """Wait until every healthy bench pod is Running (kwok) and every pending one has been marked
    Unschedulable by the real scheduler. Returns the seconds waited."""
    meta = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    deadline = time.time() + timeout
    t0 = time.time()
    while True:
        _, body = api.raw("GET", "/api/v1/pods?labelSelector=bench.local%2Fkind%3Dhealthy"
                                 "&fieldSelector=status.phase%21%3DRunning&limit=500", accept=meta)
        d = json.loads(body)
        not_running = len(d.get("items") or [])
        unmarked = -1
        if not_running == 0:
            pods = api.list_all("/api/v1/pods", query="labelSelector=bench.local%2Fkind%3Dpending")
            unmarked = sum(
                1 for p in pods
                if not any(c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
                           for c in (p.get("status") or {}).get("conditions") or [])
            )
            if unmarked == 0:
                log(f"  settled in {time.time() - t0:.0f}s: healthy pods Running, "
                    f"{len(pods)} pending pods Unschedulable")
                return round(time.time() - t0, 1)
        if time.time() > deadline:
            raise RuntimeError(f"not settled after {timeout}s: healthy pods not Running: {not_running}, "
                               f"pending pods not yet Unschedulable: {unmarked}")
        time.sleep(2)

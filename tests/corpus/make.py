#!/usr/bin/env python3
"""Writes the public-report corpus of `kubectl cluster-info dump -A` bundles.

Every case below rebuilds one public failure report about a Windows HostProcess workload as the dump
kubectl would have written for that cluster. The failure text (log lines, event messages, exit codes,
waiting reasons) is copied from the report; everything the report does not state (names, uids,
timestamps, node facts, the rest of the spec) is filled in and listed in the case's `reconstructed`.

    python3 tests/corpus/make.py        # rewrites tests/corpus/NN-*/ (deterministic: same bytes every run)

Python 3 standard library only. See README.md next to this file.
"""

import copy
import datetime
import hashlib
import json
import os
import shutil
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))

# ----------------------------------------------------------------------------------------------
# small deterministic helpers


def hx(*parts, n=64):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def uid(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "corpus:" + "/".join(parts)))


SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery's generateName alphabet


def suffix(*parts, n=5):
    h = hashlib.sha256("/".join(parts).encode()).digest()
    return "".join(SUFFIX_ALPHABET[b % len(SUFFIX_ALPHABET)] for b in h[:n])


def ts(base, seconds=0):
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ordered(d, order):
    out = {k: d[k] for k in order if k in d}
    for k in d:
        if k not in out:
            out[k] = d[k]
    return out


def backoff(restarts):
    # kubelet: 10s doubling, capped at 5m
    secs = min(10 * 2 ** max(restarts - 1, 0), 300)
    if secs >= 60:
        m, s = divmod(secs, 60)
        return "%dm%ds" % (m, s)
    return "%ds" % secs


GO_MAPS = {"labels", "annotations", "nodeSelector", "matchLabels", "capacity", "allocatable"}


def sort_maps(obj):
    """Go marshals map[string]... with sorted keys (struct fields keep their declaration order)."""
    if isinstance(obj, dict):
        return {k: (dict(sorted(v.items())) if k in GO_MAPS and isinstance(v, dict) else sort_maps(v))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [sort_maps(x) for x in obj]
    return obj


def go_json(obj):
    """json.MarshalIndent(obj, "", "    ") as kubectl prints it: UTF-8 kept, <>& escaped, map keys sorted."""
    s = json.dumps(sort_maps(obj), indent=4, ensure_ascii=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


# ----------------------------------------------------------------------------------------------
# nodes

WS2019 = ("Windows Server 2019 Datacenter", "10.0.17763")
WS2022 = ("Windows Server 2022 Datacenter", "10.0.20348")


def win_node(c, name, ip, os_pair, ubr, kubelet, runtime, ready=True, not_ready=None, extra_labels=None,
             build_label=True, kube_proxy=None):
    os_image, build = os_pair
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "windows",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "windows",
    }
    if build_label:
        labels["node.kubernetes.io/windows-build"] = build
    labels.update(extra_labels or {})
    labels = dict(sorted(labels.items()))
    return _node(c, name, ip, labels, {
        "machineID": name.upper()[:15],
        "systemUUID": uid(c["id"], "sysuuid", name).upper(),
        "bootID": "",
        "kernelVersion": "%s.%s" % (build, ubr),
        "osImage": os_image,
        "containerRuntimeVersion": runtime,
        "kubeletVersion": kubelet,
        "kubeProxyVersion": kube_proxy if kube_proxy is not None else kubelet,
        "operatingSystem": "windows",
        "architecture": "amd64",
    }, ready, not_ready, taints=None, capacity={"cpu": "4", "ephemeral-storage": "133703676Ki",
                                                 "memory": "16776756Ki", "pods": "110"})


def linux_node(c, name, ip, kubelet, runtime):
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/control-plane": "",
    }
    return _node(c, name, ip, labels, {
        "machineID": hx(c["id"], "machine", name, n=32),
        "systemUUID": uid(c["id"], "sysuuid", name),
        "bootID": uid(c["id"], "boot", name),
        "kernelVersion": "5.15.0-91-generic",
        "osImage": "Ubuntu 22.04.3 LTS",
        "containerRuntimeVersion": runtime,
        "kubeletVersion": kubelet,
        "kubeProxyVersion": kubelet,
        "operatingSystem": "linux",
        "architecture": "amd64",
    }, True, None, taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
        capacity={"cpu": "2", "ephemeral-storage": "30297152Ki", "memory": "4005044Ki", "pods": "110"})


def _node(c, name, ip, labels, info, ready, not_ready, taints, capacity):
    t0 = c["t0"]
    created = ts(t0, -30 * 86400)
    conds = []
    for typ, reason, msg in (("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                             ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                             ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available")):
        conds.append({"type": typ, "status": "False", "lastHeartbeatTime": ts(t0, 3000),
                      "lastTransitionTime": created, "reason": reason, "message": msg})
    if ready:
        conds.append({"type": "Ready", "status": "True", "lastHeartbeatTime": ts(t0, 3000),
                      "lastTransitionTime": ts(created, 120), "reason": "KubeletReady",
                      "message": "kubelet is posting ready status"})
    else:
        conds.append({"type": "Ready", "status": "False", "lastHeartbeatTime": ts(t0, 3000),
                      "lastTransitionTime": created, "reason": "KubeletNotReady", "message": not_ready})
    spec = {}
    if taints:
        spec["taints"] = taints
    return {
        "metadata": {
            "name": name,
            "uid": uid(c["id"], "node", name),
            "resourceVersion": str(c["rv"]()),
            "creationTimestamp": created,
            "labels": labels,
            "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                            "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
        },
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": capacity,
            "conditions": conds,
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": info,
        },
    }


# ----------------------------------------------------------------------------------------------
# pods, workloads, events

CTR_ORDER = ["name", "image", "command", "args", "workingDir", "env", "resources", "volumeMounts",
             "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext"]
SPEC_ORDER = ["volumes", "initContainers", "containers", "restartPolicy", "terminationGracePeriodSeconds",
              "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount", "nodeName", "hostNetwork",
              "hostPID", "hostIPC", "securityContext", "affinity", "schedulerName", "tolerations",
              "priorityClassName", "priority", "enableServiceLinks", "preemptionPolicy"]


def default_container(ct):
    ct = dict(ct)
    ct.setdefault("resources", {})
    ct.setdefault("terminationMessagePath", "/dev/termination-log")
    ct.setdefault("terminationMessagePolicy", "File")
    if "imagePullPolicy" not in ct:
        img = ct["image"].rsplit("/", 1)[-1]
        ct["imagePullPolicy"] = "Always" if (":" not in img or img.endswith(":latest")) else "IfNotPresent"
    return ordered(ct, CTR_ORDER)


def default_spec(spec):
    spec = copy.deepcopy(spec)
    spec["containers"] = [default_container(x) for x in spec["containers"]]
    if "initContainers" in spec:
        spec["initContainers"] = [default_container(x) for x in spec["initContainers"]]
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    if "serviceAccountName" in spec:
        spec["serviceAccount"] = spec["serviceAccountName"]
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    return ordered(spec, SPEC_ORDER)


def pod_spec(c, tmpl, pod_name, node, owned_by_ds):
    spec = default_spec(tmpl)
    spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    vol = "kube-api-access-" + suffix(c["id"], pod_name, "kapi")
    spec["volumes"] = list(spec.get("volumes", [])) + [{
        "name": vol,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                               "fieldPath": "metadata.namespace"}}]}},
            ],
            "defaultMode": 420,
        },
    }]
    for key in ("initContainers", "containers"):
        for ct in spec.get(key, []):
            ct["volumeMounts"] = list(ct.get("volumeMounts", [])) + [{
                "name": vol, "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]
            ct.update(ordered(ct, CTR_ORDER))
    spec["nodeName"] = node
    if owned_by_ds:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}
        tol = list(spec.get("tolerations", []))
        extra = [("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                 ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                 ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule")]
        if spec.get("hostNetwork"):
            extra.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
        for k, e in extra:
            tol.append({"key": k, "operator": "Exists", "effect": e})
        spec["tolerations"] = tol
    else:
        tol = list(spec.get("tolerations", []))
        tol += [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300}]
        spec["tolerations"] = tol
    spec.setdefault("priority", 0)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    return ordered(spec, SPEC_ORDER)


def image_id(image):
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    if "/" not in repo.split("/")[0] and "." not in repo.split("/")[0]:
        repo = "docker.io/" + (repo if "/" in repo else "library/" + repo)
    return "%s@sha256:%s" % (repo, hx("image", image))


def container_status(c, pod, ct, st, t, runtime_prefix):
    """st["s"]: crash | running | restarted | completed | starterror | waiting"""
    name, image = ct["name"], ct["image"]
    s = st["s"]
    restarts = st.get("restarts", 0)
    cid = "%s://%s" % (runtime_prefix, st.get("cid") or hx(c["id"], pod["metadata"]["name"], name, str(restarts)))
    out = {"name": name, "state": {}, "lastState": {}, "ready": False, "restartCount": restarts,
           "image": image, "imageID": image_id(image)}
    last_start, last_end = ts(t, st.get("last_start", 2900)), ts(t, st.get("last_end", 2905))
    term = {"exitCode": st.get("exit", 1), "reason": st.get("reason", "Error")}
    if st.get("message"):
        term["message"] = st["message"]
    term.update({"startedAt": last_start, "finishedAt": last_end, "containerID": cid})
    if s in ("crash", "starterror"):
        if s == "starterror":
            term["exitCode"] = st.get("exit", 128)
            term["reason"] = "StartError"
            term["startedAt"] = "1970-01-01T00:00:00Z"
        out["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off %s restarting failed container=%s pod=%s_%s(%s)" % (
            backoff(restarts), name, pod["metadata"]["name"], pod["metadata"]["namespace"], pod["metadata"]["uid"])}}
        out["lastState"] = {"terminated": term}
        out["containerID"] = cid
        out["started"] = False
    elif s == "running":
        out["state"] = {"running": {"startedAt": ts(t, st.get("started", 40))}}
        out["ready"] = st.get("ready", True)
        out["containerID"] = cid
        out["started"] = True
    elif s == "restarted":
        out["state"] = {"running": {"startedAt": ts(t, 2915)}}
        out["lastState"] = {"terminated": term}
        out["ready"] = True
        out["containerID"] = cid
        out["started"] = True
    elif s == "terminated":
        out["state"] = {"terminated": {"exitCode": st.get("exit", 1), "reason": "Error", "startedAt": ts(t, 20),
                                       "finishedAt": ts(t, 21), "containerID": cid}}
        out["containerID"] = cid
        out["started"] = False
    elif s == "completed":
        out["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": ts(t, 20),
                                       "finishedAt": ts(t, 35), "containerID": cid}}
        out["ready"] = True
        out["containerID"] = cid
    elif s == "waiting":
        w = {"reason": st["reason"]}
        if st.get("message"):
            w["message"] = st["message"]
        out["state"] = {"waiting": w}
        out["imageID"] = ""
        out["started"] = False
    else:
        raise ValueError(s)
    return ordered(out, ["name", "state", "lastState", "ready", "restartCount", "image", "imageID",
                         "containerID", "started"])


def log_section(ns, pod, cname, st):
    head = "==== START logs for container %s of pod %s/%s ====\n" % (cname, ns, pod)
    tail = "==== END logs for container %s of pod %s/%s ====\n" % (cname, ns, pod)
    if st["s"] == "waiting":
        why = {"ErrImagePull": "image can't be pulled",
               "ImagePullBackOff": "trying and failing to pull image"}.get(st["reason"], st["reason"])
        body = 'Request log error: container "%s" in pod "%s" is waiting to start: %s\n' % (cname, pod, why)
    else:
        body = st.get("log", "")
        if body and not st.get("nonl"):
            body += "\n"
        if st.get("crlf"):
            body = body.replace("\n", "\r\n")
    return head + body + tail


class Cluster:
    def __init__(self, c):
        self.c = c
        self.nodes = []
        self.ns = {}  # ns -> {"events": [], "rc": [], "svc": [], "ds": [], "deploy": [], "rs": [], "pods": []}
        self.logs = {}  # (ns, pod) -> text
        self.node_ip = {}

    def space(self, ns):
        return self.ns.setdefault(ns, {k: [] for k in ("events", "rc", "svc", "ds", "deploy", "rs", "pods")})

    def add_node(self, n):
        self.nodes.append(n)
        self.node_ip[n["metadata"]["name"]] = n["status"]["addresses"][0]["address"]

    def event(self, ns, obj_kind, obj_name, obj_uid, reason, message, count=1, typ="Warning",
              component="kubelet", host=None, field_path=None, first=None, last=None, api_version="v1"):
        c = self.c
        inv = {"kind": obj_kind, "namespace": ns, "name": obj_name, "uid": obj_uid, "apiVersion": api_version}
        if field_path:
            inv["fieldPath"] = field_path
        src = {"component": component}
        if host:
            src["host"] = host
        # seconds after t0 (the workload's creation); the dump is taken at about t0+3000s
        first = max(2950 - 60 * (count - 1), 10) if first is None else 2400 + first
        last = max(first, min(first + 60 * (count - 1), 2950)) if last is None else last
        ev = {
            "metadata": {
                "name": "%s.%s" % (obj_name, hx(c["id"], obj_name, reason, message, n=16)),
                "namespace": ns,
                "uid": uid(c["id"], "event", obj_name, reason, message),
                "resourceVersion": str(c["rv"]()),
                "creationTimestamp": ts(c["t0"], first),
            },
            "involvedObject": inv,
            "reason": reason,
            "message": message,
            "source": src,
            "firstTimestamp": ts(c["t0"], first),
            "lastTimestamp": ts(c["t0"], last),
            "count": count,
            "type": typ,
            "eventTime": None,
            "reportingComponent": component if component != "kubelet" else "kubelet",
            "reportingInstance": host or "",
        }
        self.space(ns)["events"].append(ev)

    def workload(self, w):
        """w: kind (DaemonSet|Deployment|Pod), ns, name, labels, spec (template), pods [..], status overrides."""
        c = self.c
        ns, kind = w["ns"], w["kind"]
        sp = self.space(ns)
        labels = w.get("labels", {"app": w["name"]})
        owner = None
        if kind == "DaemonSet":
            ds_uid = uid(c["id"], "ds", ns, w["name"])
            pods = w.get("pods", [])
            ready = sum(1 for p in pods if p.get("ready"))
            desired = w.get("desired", len(pods))
            status = {"currentNumberScheduled": w.get("current", len(pods)), "numberMisscheduled": 0,
                      "desiredNumberScheduled": desired, "numberReady": ready, "observedGeneration": 1,
                      "updatedNumberScheduled": w.get("current", len(pods))}
            if ready:
                status["numberAvailable"] = ready
            if desired - ready > 0:
                status["numberUnavailable"] = desired - ready
            tmpl_spec = default_spec(w["spec"])
            sp["ds"].append({
                "metadata": {
                    "name": w["name"], "namespace": ns, "uid": ds_uid, "resourceVersion": str(c["rv"]()),
                    "generation": 1, "creationTimestamp": ts(c["t0"], 0),
                    "labels": w.get("ds_labels", labels),
                    "annotations": {"deprecated.daemonset.template.generation": "1"},
                },
                "spec": {
                    "selector": {"matchLabels": w.get("selector", labels)},
                    "template": {"metadata": {"creationTimestamp": None, "labels": labels}, "spec": tmpl_spec},
                    "updateStrategy": {"type": "RollingUpdate",
                                       "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
                    "revisionHistoryLimit": 10,
                },
                "status": status,
            })
            owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": w["name"], "uid": ds_uid,
                     "controller": True, "blockOwnerDeletion": True}
            pod_labels = dict(labels, **{"controller-revision-hash": hx(c["id"], w["name"], "crh", n=10)[:10],
                                         "pod-template-generation": "1"})
        elif kind == "Deployment":
            dep_uid = uid(c["id"], "deploy", ns, w["name"])
            rs_name = "%s-%s" % (w["name"], w["rs_hash"])
            rs_uid = uid(c["id"], "rs", ns, rs_name)
            n = len(w.get("pods", []))
            tmpl_spec = default_spec(w["spec"])
            dep_status = {"observedGeneration": 1, "replicas": n, "updatedReplicas": n, "unavailableReplicas": n,
                          "conditions": [
                              {"type": "Available", "status": "False", "lastUpdateTime": ts(c["t0"], 2),
                               "lastTransitionTime": ts(c["t0"], 2), "reason": "MinimumReplicasUnavailable",
                               "message": "Deployment does not have minimum availability."},
                              {"type": "Progressing", "status": "True", "lastUpdateTime": ts(c["t0"], 2),
                               "lastTransitionTime": ts(c["t0"], 1), "reason": "ReplicaSetUpdated",
                               "message": 'ReplicaSet "%s" is progressing.' % rs_name}]}
            sp["deploy"].append({
                "metadata": {"name": w["name"], "namespace": ns, "uid": dep_uid, "resourceVersion": str(c["rv"]()),
                             "generation": 1, "creationTimestamp": ts(c["t0"], 0), "labels": labels,
                             "annotations": {"deployment.kubernetes.io/revision": "1"}},
                "spec": {"replicas": n, "selector": {"matchLabels": labels},
                         "template": {"metadata": {"creationTimestamp": None, "labels": labels}, "spec": tmpl_spec},
                         "strategy": {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                         "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
                "status": dep_status,
            })
            rs_labels = dict(labels, **{"pod-template-hash": w["rs_hash"]})
            sp["rs"].append({
                "metadata": {"name": rs_name, "namespace": ns, "uid": rs_uid, "resourceVersion": str(c["rv"]()),
                             "generation": 1, "creationTimestamp": ts(c["t0"], 1), "labels": rs_labels,
                             "annotations": {"deployment.kubernetes.io/desired-replicas": str(n),
                                             "deployment.kubernetes.io/max-replicas": str(n + 1),
                                             "deployment.kubernetes.io/revision": "1"},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": w["name"],
                                                  "uid": dep_uid, "controller": True, "blockOwnerDeletion": True}]},
                "spec": {"replicas": n, "selector": {"matchLabels": rs_labels},
                         "template": {"metadata": {"creationTimestamp": None, "labels": rs_labels},
                                      "spec": tmpl_spec}},
                "status": {"replicas": n, "fullyLabeledReplicas": n, "observedGeneration": 1},
            })
            owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs_uid,
                     "controller": True, "blockOwnerDeletion": True}
            pod_labels = rs_labels
        else:
            pod_labels = labels
        for p in w.get("pods", []):
            self.pod(w, p, owner, pod_labels)
        for e in w.get("ds_events", []):
            self.event(ns, "DaemonSet", w["name"], uid(c["id"], "ds", ns, w["name"]), e["reason"], e["message"],
                       count=e.get("count", 1), component="daemonset-controller", first=e.get("first"),
                       api_version="apps/v1")

    def pod(self, w, p, owner, labels):
        c = self.c
        ns = w["ns"]
        name = p["name"]
        node = p["node"]
        t = ts(c["t0"], p.get("created", 5))
        puid = uid(c["id"], "pod", ns, name)
        meta = {"name": name}
        if owner and owner["kind"] == "DaemonSet":
            meta["generateName"] = w["name"] + "-"
        elif owner:
            meta["generateName"] = owner["name"] + "-"
        meta.update({"namespace": ns, "uid": puid, "resourceVersion": str(c["rv"]()), "creationTimestamp": t,
                     "labels": labels})
        if owner:
            meta["ownerReferences"] = [owner]
        spec = pod_spec(c, w["spec"], name, node, owner is not None and owner["kind"] == "DaemonSet")
        pod = {"metadata": meta, "spec": spec, "status": {}}
        states = p["states"]
        runtime_prefix = p.get("runtime_prefix", "containerd")
        init_st = [container_status(c, pod, ct, states[ct["name"]], t, runtime_prefix)
                   for ct in spec.get("initContainers", [])]
        main_st = [container_status(c, pod, ct, states[ct["name"]], t, runtime_prefix) for ct in spec["containers"]]
        all_ready = all(s["ready"] for s in main_st)
        init_done = all(s["state"].get("terminated", {}).get("reason") == "Completed" for s in init_st)
        any_started = any("containerID" in s for s in main_st)
        phase = p.get("phase", "Running" if any_started else "Pending")
        hostnet = spec.get("hostNetwork")
        ip = self.node_ip[node]
        conds = []
        if "sandbox_ready" in p:
            conds.append({"type": "PodReadyToStartContainers", "status": "True" if p["sandbox_ready"] else "False",
                          "lastProbeTime": None, "lastTransitionTime": ts(t, 3)})
        conds.append({"type": "Initialized", "status": "True" if init_done else "False", "lastProbeTime": None,
                      "lastTransitionTime": ts(t, 36 if init_st else 0)})
        if not init_done:
            conds[-1].update({"reason": "ContainersNotInitialized",
                              "message": "containers with incomplete status: [%s]" % " ".join(
                                  s["name"] for s in init_st if s["state"].get("terminated", {}).get("reason") != "Completed")})
        not_ready = [s["name"] for s in main_st if not s["ready"]]
        for typ in ("Ready", "ContainersReady"):
            cnd = {"type": typ, "status": "True" if all_ready else "False", "lastProbeTime": None,
                   "lastTransitionTime": ts(t, 2910)}
            if not all_ready:
                cnd.update({"reason": "ContainersNotReady",
                            "message": "containers with unready status: [%s]" % " ".join(not_ready)})
            conds.append(cnd)
        conds.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": t})
        status = {"phase": phase, "conditions": conds, "hostIP": ip}
        if p.get("sandbox", True) and (hostnet or p.get("pod_ip")):
            pod_ip = ip if hostnet else p["pod_ip"]
            status["podIP"] = pod_ip
            status["podIPs"] = [{"ip": pod_ip}]
        status["startTime"] = t
        if init_st:
            status["initContainerStatuses"] = init_st
        status["containerStatuses"] = main_st
        status["qosClass"] = "BestEffort"
        pod["status"] = status
        self.space(ns)["pods"].append(pod)
        self.logs[(ns, name)] = "".join(
            log_section(ns, name, ct["name"], states[ct["name"]])
            for ct in spec.get("initContainers", []) + spec["containers"])
        # events: the report's own, then the kubelet BackOff for crash-looping containers
        for e in p.get("events", []):
            ct = e.get("container")
            self.event(ns, "Pod", name, puid, e["reason"], e["message"], count=e.get("count", 1),
                       typ=e.get("type", "Warning"), component=e.get("component", "kubelet"),
                       host=None if e.get("component", "kubelet") != "kubelet" else node,
                       field_path=("spec.initContainers{%s}" % ct if ct in [x["name"] for x in spec.get("initContainers", [])]
                                   else "spec.containers{%s}" % ct) if ct else None,
                       first=e.get("first"))
        if not p.get("no_backoff_events"):
            for key in ("initContainers", "containers"):
                for ct in spec.get(key, []):
                    st = states[ct["name"]]
                    if st["s"] in ("crash", "starterror"):
                        n = st.get("restarts", 1)
                        self.event(ns, "Pod", name, puid, "BackOff",
                                   "Back-off restarting failed container %s in pod %s_%s(%s)" % (ct["name"], name, ns, puid),
                                   count=max(n * 4, 1), host=node, first=-2300 + p.get("created", 5), last=2950,
                                   field_path="spec.%s{%s}" % (key, ct["name"]))

    # ------------------------------------------------------------------------------------------
    def lists(self):
        """kubectl's order: NodeList, then per namespace (alphabetical, as `-A` lists them) the seven lists."""
        c = self.c
        base = ["default", "kube-node-lease", "kube-public", "kube-system"]
        for ns in base:
            self.space(ns)
        if "default" in self.ns and not any(s["metadata"]["name"] == "kubernetes" for s in self.ns["default"]["svc"]):
            self.ns["default"]["svc"].append(self.service("default", "kubernetes", "10.96.0.1",
                                                          [{"name": "https", "protocol": "TCP", "port": 443,
                                                            "targetPort": 6443}],
                                                          {"component": "apiserver", "provider": "kubernetes"}, None))
        if not any(s["metadata"]["name"] == "kube-dns" for s in self.ns["kube-system"]["svc"]):
            self.ns["kube-system"]["svc"].append(self.service(
                "kube-system", "kube-dns", "10.96.0.10",
                [{"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 53},
                 {"name": "dns-tcp", "protocol": "TCP", "port": 53, "targetPort": 53},
                 {"name": "metrics", "protocol": "TCP", "port": 9153, "targetPort": 9153}],
                {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"},
                {"k8s-app": "kube-dns"}))
        out = [("nodes", {"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": str(c["rv"]())},
                          "items": sorted(self.nodes, key=lambda n: n["metadata"]["name"])}, None)]
        kinds = [("events", "EventList", "v1", "events"), ("replication-controllers", "ReplicationControllerList", "v1", "rc"),
                 ("services", "ServiceList", "v1", "svc"), ("daemonsets", "DaemonSetList", "apps/v1", "ds"),
                 ("deployments", "DeploymentList", "apps/v1", "deploy"), ("replicasets", "ReplicaSetList", "apps/v1", "rs"),
                 ("pods", "PodList", "v1", "pods")]
        for ns in sorted(self.ns):
            for fname, kind, api, key in kinds:
                items = sorted(self.ns[ns][key], key=lambda o: o["metadata"]["name"])
                out.append(("%s/%s" % (ns, fname),
                            {"kind": kind, "apiVersion": api, "metadata": {"resourceVersion": str(c["rv"]())},
                             "items": items}, ns))
        return out

    def service(self, ns, name, ip, ports, labels, selector):
        spec = {"ports": ports, "clusterIP": ip, "clusterIPs": [ip], "type": "ClusterIP", "sessionAffinity": "None",
                "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"}
        if selector:
            spec = dict({"ports": ports, "selector": selector}, **{k: v for k, v in spec.items() if k != "ports"})
        return {"metadata": {"name": name, "namespace": ns, "uid": uid(self.c["id"], "svc", ns, name),
                             "resourceVersion": str(self.c["rv"]()), "creationTimestamp": ts(self.c["t0"], -30 * 86400),
                             "labels": labels},
                "spec": spec, "status": {"loadBalancer": {}}}

    def write(self, d, form):
        lists = self.lists()
        if form == "stream":
            parts = []
            for _, obj, ns in lists:
                parts.append(go_json(obj))
                if obj["kind"] == "PodList":
                    for pod in obj["items"]:
                        parts.append(self.logs[(ns, pod["metadata"]["name"])])
            with open(os.path.join(d, "dump.txt"), "w", newline="", encoding="utf-8") as f:
                f.write("".join(parts))
        else:
            root = os.path.join(d, "dump")
            for rel, obj, ns in lists:
                path = os.path.join(root, rel + ".json")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", newline="", encoding="utf-8") as f:
                    f.write(go_json(obj))
                if obj["kind"] == "PodList":
                    for pod in obj["items"]:
                        pdir = os.path.join(root, ns, pod["metadata"]["name"])
                        os.makedirs(pdir, exist_ok=True)
                        with open(os.path.join(pdir, "logs.txt"), "w", newline="", encoding="utf-8") as f:
                            f.write(self.logs[(ns, pod["metadata"]["name"])])


# ----------------------------------------------------------------------------------------------
# shared spec shapes (from the real manifests in tests/fixtures/real-manifests)

SYSTEM_LC = "NT AUTHORITY\\system"   # sig-windows-tools spelling
SYSTEM_UC = "NT AUTHORITY\\SYSTEM"


def hp_pod(containers, volumes=None, sa=None, init=None, user=SYSTEM_LC, selector=True, tolerations=None,
           affinity=None, extra=None):
    spec = {}
    if volumes:
        spec["volumes"] = volumes
    if init:
        spec["initContainers"] = init
    spec["containers"] = containers
    if selector:
        spec["nodeSelector"] = {"kubernetes.io/os": "windows"}
    if sa:
        spec["serviceAccountName"] = sa
    spec["hostNetwork"] = True
    spec["securityContext"] = {"windowsOptions": {"hostProcess": True, "runAsUserName": user}}
    if affinity:
        spec["affinity"] = affinity
    if tolerations is not None:
        spec["tolerations"] = tolerations
    spec.update(extra or {})
    return spec


WIN_AMD64_AFFINITY = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
    {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["windows"]},
                          {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}]}}}
CNI_TOLERATIONS = [{"operator": "Exists", "effect": "NoSchedule"},
                   {"key": "CriticalAddonsOnly", "operator": "Exists"},
                   {"operator": "Exists", "effect": "NoExecute"}]
KP_TOLERATIONS = [{"key": "CriticalAddonsOnly", "operator": "Exists"}, {"operator": "Exists"}]
FIELD_ENV = [
    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
    {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
]


def kube_proxy_ds(image, mount="/var/lib/kube-proxy", env=None, args=None, command=None, working_dir=True):
    """sig-windows-tools hostprocess kube-proxy.yml (fixtures 01/06/07)."""
    ct = {"name": "kube-proxy", "image": image}
    if command:
        ct["command"] = command
    if args is None:
        args = ["$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/start.ps1"]
    if args:
        ct["args"] = args
    if working_dir:
        ct["workingDir"] = "$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/"
    ct["env"] = (env or []) + [
        {"name": "NODENAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}}]
    ct["volumeMounts"] = [{"name": "kube-proxy", "mountPath": mount}]
    ct["imagePullPolicy"] = "Always"
    return hp_pod([ct], volumes=[{"name": "kube-proxy", "configMap": {"name": "kube-proxy", "defaultMode": 420}}],
                  sa="kube-proxy", tolerations=KP_TOLERATIONS)


def flannel_ds(image, mounts=("/etc/kube-flannel/", "/etc/kube-flannel-windows/"), env_extra=None):
    """sig-windows-tools hostprocess flannel-overlay.yml (fixture 05); mounts before/after PR #297."""
    ct = {"name": "kube-flannel", "image": image, "imagePullPolicy": "Always",
          "volumeMounts": [{"name": "flannel-cfg", "mountPath": mounts[0]},
                           {"name": "flannel-windows-cfg", "mountPath": mounts[1]}],
          "env": [{"name": "CNI_BIN_PATH", "value": "C:\\\\opt\\\\cni\\\\bin"},
                  {"name": "CNI_CONFIG_PATH", "value": "C:\\\\etc\\\\cni\\\\net.d"},
                  {"name": "SERVICE_SUBNET", "value": "10.96.0.0/12"}] + (env_extra or []) + FIELD_ENV}
    return hp_pod([ct], volumes=[{"name": "flannel-cfg", "configMap": {"name": "kube-flannel-cfg", "defaultMode": 420}},
                                 {"name": "flannel-windows-cfg",
                                  "configMap": {"name": "kube-flannel-windows-cfg", "defaultMode": 420}}],
                  sa="flannel", tolerations=CNI_TOLERATIONS, affinity=WIN_AMD64_AFFINITY, selector=False)


def calico_sigwt_ds(version):
    """sig-windows-tools hostprocess calico-node.yml (fixture 04)."""
    init = {"name": "install-cni", "image": "sigwindowstools/calico-install:%s-hostprocess" % version,
            "args": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/calico/install.ps1"], "imagePullPolicy": "Always",
            "env": [{"name": "CNI_CONF_NAME", "value": "10-calico.conflist"},
                    {"name": "CNI_NETWORK_CONFIG", "valueFrom": {"configMapKeyRef": {"name": "calico-config-windows",
                                                                                    "key": "cni_network_config"}}},
                    {"name": "KUBERNETES_NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                                 "fieldPath": "spec.nodeName"}}},
                    {"name": "CNI_MTU", "valueFrom": {"configMapKeyRef": {"name": "calico-config-windows",
                                                                         "key": "veth_mtu"}}},
                    {"name": "SLEEP", "value": "false"},
                    {"name": "K8S_SERVICE_CIDR", "value": "10.96.0.0/12"},
                    {"name": "CNI_BIN_DIR", "value": "c:\\opt\\cni\\bin"},
                    {"name": "CNI_CONF_DIR", "value": "c:\\etc\\cni\\net.d"}],
            "volumeMounts": [{"name": "cni-bin-dir", "mountPath": "/host/opt/cni/bin"},
                             {"name": "cni-net-dir", "mountPath": "/host/etc/cni/net.d"},
                             {"name": "kubeadm-config", "mountPath": "/etc/kubeadm-config/"}],
            "securityContext": {"windowsOptions": {"hostProcess": True, "runAsUserName": SYSTEM_LC}}}
    common_env = [{"name": "KUBECONFIG", "value": "C:/etc/cni/net.d/calico-kubeconfig"},
                  {"name": "VXLAN_VNI", "value": "4096"}]
    startup = {"name": "calico-node-startup", "image": "sigwindowstools/calico-node:%s-hostprocess" % version,
               "args": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/calico/node-service.ps1"],
               "workingDir": "$env:CONTAINER_SANDBOX_MOUNT_POINT/calico/", "imagePullPolicy": "Always",
               "env": FIELD_ENV + [{"name": "CNI_IPAM_TYPE", "value": "calico-ipam"},
                                   {"name": "CALICO_NETWORKING_BACKEND", "value": "vxlan"}] + common_env,
               "volumeMounts": [{"name": "calico-config-windows", "mountPath": "/etc/kube-calico-windows/"}]}
    felix = {"name": "calico-node-felix", "image": "sigwindowstools/calico-node:%s-hostprocess" % version,
             "args": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/calico/felix-service.ps1"],
             "workingDir": "$env:CONTAINER_SANDBOX_MOUNT_POINT/calico/", "imagePullPolicy": "Always",
             "env": FIELD_ENV + common_env,
             "volumeMounts": [{"name": "calico-config-windows", "mountPath": "/etc/kube-calico-windows/"}]}
    return hp_pod([startup, felix], init=[init], sa="calico-node", tolerations=CNI_TOLERATIONS,
                  affinity=WIN_AMD64_AFFINITY, selector=False,
                  volumes=[{"name": "calico-config-windows", "configMap": {"name": "calico-config-windows", "defaultMode": 420}},
                           {"name": "cni-bin-dir", "hostPath": {"path": "/opt/cni/bin", "type": ""}},
                           {"name": "cni-net-dir", "hostPath": {"path": "/etc/cni/net.d", "type": ""}},
                           {"name": "kubeadm-config", "configMap": {"name": "kubeadm-config", "defaultMode": 420}}])


def go_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def base(cl, k8s, cp_runtime="containerd://1.7.13"):
    cl.add_node(linux_node(cl.c, "k8s-cp-1", "10.0.0.10", k8s, cp_runtime))


def crash(log, restarts=12, exit=1, **kw):
    return dict(s="crash", log=log, restarts=restarts, exit=exit, **kw)


def ds_pod(name, node, states, ready=False, **kw):
    return dict(name=name, node=node, states=states, ready=ready, **kw)


CASES = []


def case(**meta):
    def deco(fn):
        meta["build"] = fn
        CASES.append(meta)
        return fn
    return deco


# ==============================================================================================
# the cases
# ==============================================================================================

# ---------------------------------------------------------------------------------------------- 01
@case(id="01-swt377-kube-proxy-hpc-path", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/377",
      project="kubernetes-sigs/sig-windows-tools",
      title="kube-proxy (Calico, v1.30.4) crash-loops: Cannot find path 'C:\\hpc\\var\\lib\\kube-proxy\\kubeconfig.conf'",
      verbatim="the kube-proxy container log (the 14 lines quoted in the report, from 'Running kub-proxy service.' to the 'cp : Cannot find path ...kubeconfig-win.conf' line), pod name kube-proxy-windows-6l7s4, image version v1.30.4, Calico network, ConfigMap mounted at /var/lib/kube-proxy, start.ps1 run from C:\\hpc\\kube-proxy",
      filled="the end of the last line (the report cuts it at 'because it'; completed with PowerShell's ' does not exist.' as quoted in signatures.md SIG05) and no newline after it (the END marker follows on the same line); node win-calico-1 (Windows Server 2022, containerd 1.7.20: the report states no node facts, C:\\hpc marks containerd >=1.7); restart count 12, exit code 1, uids, timestamps; the DaemonSet spec is the sig-windows-tools calico kube-proxy.yml with KUBE_NETWORK=Calico",
      form="stream", expect={"object": "Pod/kube-system/kube-proxy-windows-6l7s4", "rule": "HP014", "signature": "hpc-path-not-found"},
      t0="2024-09-23T07:00:00Z")
def _(cl):
    base(cl, "v1.30.4")
    cl.add_node(win_node(cl.c, "win-calico-1", "10.0.0.21", WS2022, "2700", "v1.30.4", "containerd://1.7.20"))
    log = r"""Running kub-proxy service.
Waiting for HNS network Calico to be created...
HNS network Calico found.
kubeproxy version Kubernetes v1.30.4
Write files so the kubeconfig points to correct locations
    Directory: C:\var\lib
d-----         9/23/2024   7:53 AM                kube-proxy
Get-Content : Cannot find path 'C:\hpc\var\lib\kube-proxy\kubeconfig.conf' because it does not exist.
At C:\hpc\kube-proxy\start.ps1:56 char:3
+ ((Get-Content -path $env:CONTAINER_SANDBOX_MOUNT_POINT/var/lib/kube-p ...
    + CategoryInfo          : ObjectNotFound: (C:\hpc\var\lib\...kubeconfig.conf:String) [Get-Content], ItemNotFoundEx
   ception
    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetContentCommand
cp : Cannot find path 'C:\hpc\var\lib\kube-proxy\kubeconfig-win.conf' because it does not exist."""
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"},
                     spec=kube_proxy_ds("sigwindowstools/kube-proxy:v1.30.4-calico-hostprocess",
                                        env=[{"name": "KUBE_NETWORK", "value": "Calico"}]),
                     pods=[ds_pod("kube-proxy-windows-6l7s4", "win-calico-1",
                                  {"kube-proxy": crash(log, nonl=True)})]))


# ---------------------------------------------------------------------------------------------- 02
@case(id="02-swt337-kube-proxy-mounts-path", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/337",
      project="kubernetes-sigs/sig-windows-tools",
      title="kube-proxy update 1.23.7 -> 1.24.15 crash-loops: Cannot find path 'C:\\hpc\\<id>\\mounts\\var\\lib\\kube-proxy\\kubeconfig.conf'",
      verbatim="the 11 log lines quoted in the report, including PowerShell's wrapping of the Get-Content error over three lines; the container id 08e67f23...6dbd that appears in the paths (reused as the crashed instance's containerID); image version v1.24.15; ConfigMap mounted at /var/lib/kube-proxy (old manifest)",
      filled="no newline after the last log line; node win-1 (Windows Server 2019 without the July 2022 bind-filter update, kernel 10.0.17763.2989, containerd 1.7.0: the C:\\hpc\\<id> mount point means containerd >=1.7 without bindflt, the report states no versions); image flavour -flannel-hostprocess; restart count 8; pod name suffix, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-proxy-windows-t9w4q", "rule": "HP014", "signature": "hpc-mounts-path-not-found"},
      t0="2023-07-15T06:00:00Z")
def _(cl):
    base(cl, "v1.24.15", "containerd://1.6.21")
    cl.add_node(win_node(cl.c, "win-1", "10.0.0.21", WS2019, "2989", "v1.24.15", "containerd://1.7.0"))
    log = r"""Write files so the kubeconfig points to correct locations
    Directory: C:\var\lib
d-----         5/4/2023   6:53 AM                kube-proxy
Get-Content : Cannot find path
'C:\hpc\08e67f231fac02709e443f7e8e688399e8eab64e9c633e994f2e5bc889766dbd\mounts\var\lib\kube-proxy\kubeconfig.conf'
because it does not exist.
At C:\hpc\08e67f231fac02709e443f7e8e688399e8eab64e9c633e994f2e5bc889766dbd\kube-proxy\start.ps1:55 char:3
+ ((Get-Content -path $env:CONTAINER_SANDBOX_MOUNT_POINT/mounts/var/lib ...
    + CategoryInfo          : ObjectNotFound: (C:\hpc\08e67f23...kubeconfig.conf:String) [Get-Content], ItemNotFoundEx
   ception
    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.GetContentCommand"""
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"},
                     spec=kube_proxy_ds("sigwindowstools/kube-proxy:v1.24.15-flannel-hostprocess",
                                        env=[{"name": "KUBE_NETWORK", "value": "flannel.4096"}]),
                     pods=[ds_pod("kube-proxy-windows-t9w4q", "win-1", {"kube-proxy": crash(
                         log, restarts=8, nonl=True,
                         cid="08e67f231fac02709e443f7e8e688399e8eab64e9c633e994f2e5bc889766dbd")})]))


# ---------------------------------------------------------------------------------------------- 03
@case(id="03-swt235-kube-proxy-createfile", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/235",
      project="kubernetes-sigs/sig-windows-tools",
      title="kube-proxy HostProcess container fails to boot: CreateFile C:\\hpc\\/var/lib/kube-proxy/kubeconfig.conf",
      verbatim="the two klog lines ('Error running ProxyServer' and 'command failed'); pod kube-proxy-windows-nrwgd; node facts stated in the report: Windows Server 2022 Server Core, Kubernetes v1.23.8, containerd 1.6.6 (kept although the C:\\hpc path contradicts a 1.6 runtime: the matcher must key on the path)",
      filled="node name capz-win-7xk2d, kernel UBR 825, kube-proxy started directly with --kubeconfig under $env:CONTAINER_SANDBOX_MOUNT_POINT (CAPZ-style), image tag, restart count 6, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-proxy-windows-nrwgd", "rule": "HP014", "signature": "createfile-sandbox-path"},
      t0="2022-07-18T03:00:00Z")
def _(cl):
    base(cl, "v1.23.8", "containerd://1.6.6")
    cl.add_node(win_node(cl.c, "capz-win-7xk2d", "10.1.0.4", WS2022, "825", "v1.23.8", "containerd://1.6.6"))
    log = r"""E0718 04:04:25.643865    2612 server.go:495] "Error running ProxyServer" err="CreateFile C:\\hpc\\/var/lib/kube-proxy/kubeconfig.conf: The system cannot find the path specified."
E0718 04:04:25.643865    2612 run.go:74] "command failed" err="CreateFile C:\\hpc\\/var/lib/kube-proxy/kubeconfig.conf: The system cannot find the path specified." """.rstrip()
    spec = kube_proxy_ds("sigwindowstools/kube-proxy:v1.23.8-calico-hostprocess",
                         command=["$env:CONTAINER_SANDBOX_MOUNT_POINT/kube-proxy/kube-proxy.exe"],
                         args=["--hostname-override=$(NODENAME)", "--v=4", "--proxy-mode=kernelspace",
                               "--kubeconfig=$env:CONTAINER_SANDBOX_MOUNT_POINT/var/lib/kube-proxy/kubeconfig.conf"],
                         working_dir=False, env=[{"name": "KUBE_NETWORK", "value": "Calico"}])
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"}, spec=spec,
                     pods=[ds_pod("kube-proxy-windows-nrwgd", "capz-win-7xk2d", {"kube-proxy": crash(log, restarts=6)})]))


# ---------------------------------------------------------------------------------------------- 04
@case(id="04-swt341-kube-proxy-ca-under-sandbox", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/341",
      project="kubernetes-sigs/sig-windows-tools",
      title="kube-proxy on CAPZ: unable to read certificate-authority C:\\C\\<id>\\var\\lib\\kube-proxy\\var\\run\\secrets\\...\\ca.crt",
      verbatim="the first klog line in full (as quoted in signatures.md SIG04) and the start of the second ('run.go:74] \"command failed\" err=\"invalid configuration: unable to read certificate-authority C:\\\\C\\\\7abacb212f'); pod kube-proxy-windows-jb2f9; restart count 1; the container id 7abacb21...256a from the path (used as the crashed instance's containerID); ConfigMap kube-proxy at /var/lib/kube-proxy",
      filled="the rest of the second line (the same err text as the first line); the snapshot moment: the report shows the pod Running after 1 restart, but a dump carries only the current instance's log, so the bundle is taken during the 10s back-off after the first crash (CrashLoopBackOff, restartCount 1); node capz-win-q2lfx Windows Server 2022, kubelet v1.27.3, containerd 1.6.21 (the C:\\C\\<id> layout means containerd 1.6; versions not stated); uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-proxy-windows-jb2f9", "rule": "HP014", "signature": "ca-path-under-sandbox"},
      t0="2023-08-23T04:00:00Z")
def _(cl):
    base(cl, "v1.27.3")
    cl.add_node(win_node(cl.c, "capz-win-q2lfx", "10.1.0.5", WS2022, "1906", "v1.27.3", "containerd://1.6.21"))
    err = r"""invalid configuration: unable to read certificate-authority C:\\C\\7abacb212fd13548771163698da621b18a127a9b2fba98503c46770dbd92256a\\var\\lib\\kube-proxy\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\ca.crt for default due to open C:\\C\\7abacb212fd13548771163698da621b18a127a9b2fba98503c46770dbd92256a\\var\\lib\\kube-proxy\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\ca.crt: The system cannot find the path specified."""
    log = ('E0823 04:52:11.072109    3916 server.go:494] "Error running ProxyServer" err="%s"\n'
           'E0823 04:52:11.072109    3916 run.go:74] "command failed" err="%s"') % (err, err)
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"},
                     spec=kube_proxy_ds("sigwindowstools/kube-proxy:v1.27.3-calico-hostprocess",
                                        env=[{"name": "KUBE_NETWORK", "value": "Calico"}]),
                     pods=[ds_pod("kube-proxy-windows-jb2f9", "capz-win-q2lfx", {"kube-proxy": crash(
                         log, restarts=1, cid="7abacb212fd13548771163698da621b18a127a9b2fba98503c46770dbd92256a")})]))


# ---------------------------------------------------------------------------------------------- 05
@case(id="05-swt343-flannel-incluster-fallback", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/343",
      project="kubernetes-sigs/sig-windows-tools",
      title="flannel HostProcess on containerd 1.6.22: error creating inClusterConfig, then no configuration has been provided",
      verbatim="the three flannel log lines (W0829 ... client_config.go:617, W0829 ... client_config.go:622 error creating inClusterConfig ..., E0829 ... main.go:228 Failed to create SubnetManager ...); containerd 1.6.22; DaemonSet kube-system/kube-flannel-ds-windows-amd64",
      filled="directory form of the dump; the self-built image name (registry.example.internal/flannel:v0.22.1-hostprocess), manifest shape from sig-windows-tools flannel-overlay.yml with the /mounts/ paths of that time, node win-flannel-1 Windows Server 2022 and kubelet v1.28.1 (not stated), restart count 9, pod name suffix, uids, timestamps",
      form="directory", expect={"object": "Pod/kube-system/kube-flannel-ds-windows-amd64-hq8wz", "rule": "HP014", "signature": "in-cluster-config-fallback"},
      t0="2023-08-29T16:00:00Z")
def _(cl):
    base(cl, "v1.28.1")
    cl.add_node(win_node(cl.c, "win-flannel-1", "10.0.0.31", WS2022, "1906", "v1.28.1", "containerd://1.6.22"))
    log = r"""W0829 17:10:51.499936 3824 client_config.go:617] Neither --kubeconfig nor --master was specified. Using the inClusterConfig. This might not work.
W0829 17:10:51.520129 3824 client_config.go:622] error creating inClusterConfig, falling back to default config: open /var/run/secrets/kubernetes.io/serviceaccount/token: The system cannot find the path specified.
E0829 17:10:51.531215 3824 main.go:228] Failed to create SubnetManager: fail to create kubernetes config: invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable"""
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-flannel-ds-windows-amd64",
                     labels={"app": "flannel", "tier": "node"},
                     spec=flannel_ds("registry.example.internal/flannel:v0.22.1-hostprocess",
                                     mounts=("/mounts/kube-flannel/", "/mounts/kube-flannel-windows/"),
                                     env_extra=[{"name": "KUBERNETES_SERVICE_HOST", "value": "10.0.0.10"},
                                                {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"}]),
                     pods=[ds_pod("kube-flannel-ds-windows-amd64-hq8wz", "win-flannel-1",
                                  {"kube-flannel": crash(log, restarts=9)})]))


# ---------------------------------------------------------------------------------------------- 06
AGNHOST_CMD = 'start-process -wait -nonewwindow "$env:CONTAINER_SANDBOX_MOUNT_POINT\\agnhost"'


@case(id="06-k8s104562-agnhost-incluster-token", source="https://github.com/kubernetes/kubernetes/issues/104562",
      project="kubernetes/kubernetes",
      title="Windows HostProcess containers can't use the InClusterConfig for API access",
      verbatim="the pod spec (name hostprocess-agnhost-older-client, pod-level windowsOptions hostProcess/NT AUTHORITY\\SYSTEM, hostNetwork, image k8s.gcr.io/e2e-test-images/agnhost:2.32, command powershell -c start-process ..., args inclusterclient --poll-interval 5, nodeSelector windows, toleration Exists/NoSchedule); the log lines 'I0825 00:12:40.693662    5192 main.go:61] started' and the error text 'open /var/run/secrets/kubernetes.io/serviceaccount/token: The system cannot find the path specified.'",
      filled="the Go log prefix of the error line (2021/08/25 00:12:40), exit code 1, restart count 5; node win-hpc-1 on Kubernetes v1.22.1 with containerd 1.6.0-beta.0 (the report says a containerd with HostProcess support and the 1.6 layout; 1.6.0-beta.0 is the first tag with the CRI host_process field, so a correct reader treats it as supported), Windows Server 2019; uids, timestamps",
      form="stream", expect={"object": "Pod/default/hostprocess-agnhost-older-client", "rule": "HP014", "signature": "sa-token-path-not-found"},
      t0="2021-08-25T00:00:00Z")
def _(cl):
    base(cl, "v1.22.1", "containerd://1.5.5")
    cl.add_node(win_node(cl.c, "win-hpc-1", "10.0.0.41", WS2019, "2114", "v1.22.1", "containerd://1.6.0-beta.0"))
    log = r"""I0825 00:12:40.693662    5192 main.go:61] started
2021/08/25 00:12:40 open /var/run/secrets/kubernetes.io/serviceaccount/token: The system cannot find the path specified."""
    spec = hp_pod([{"name": "hostprocess-agnhost-older-client", "image": "k8s.gcr.io/e2e-test-images/agnhost:2.32",
                    "command": ["powershell", "-c", AGNHOST_CMD],
                    "args": ["inclusterclient", "--poll-interval", "5"]}],
                  user=SYSTEM_UC, tolerations=[{"operator": "Exists", "effect": "NoSchedule"}])
    cl.workload(dict(kind="Pod", ns="default", name="hostprocess-agnhost-older-client",
                     labels={"app": "hostprocess-agnhost-older-client"}, spec=spec,
                     pods=[dict(name="hostprocess-agnhost-older-client", node="win-hpc-1",
                                states={"hostprocess-agnhost-older-client": crash(log, restarts=5)})]))


# ---------------------------------------------------------------------------------------------- 07
@case(id="07-swt289-flannel-copy-item-denied", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/289",
      project="kubernetes-sigs/sig-windows-tools (same report: flannel-io/flannel#1758)",
      title="flannel HostProcess on containerd 1.7.0: PermissionDenied (C:\\hpc\\etc\\kube-flannel\\net-conf.json) [Copy-Item], UnauthorizedAccessException",
      verbatim="the log lines quoted from 'kubectl logs kube-flannel-ds-windows-amd64-mthbs -n kube-system' (Copying SDN CNI binaries ... Directory listings ... the PermissionDenied line); pod name; containerd 1.7.0; ConfigMap kube-flannel-cfg at /etc/kube-flannel",
      filled="the report cuts the log after 'Directory: C:\\hpc\\etc\\kube-flannel' (the cut is left out, nothing invented in its place); image sigwindowstools/flannel:v0.21.4-hostprocess; node win-flannel-2 Windows Server 2022, kubelet v1.26.3 (not stated); restart count 14; uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-flannel-ds-windows-amd64-mthbs", "rule": "HP014", "signature": "copy-onto-bound-volume-denied"},
      t0="2023-03-30T21:00:00Z")
def _(cl):
    base(cl, "v1.26.3")
    cl.add_node(win_node(cl.c, "win-flannel-2", "10.0.0.32", WS2022, "1607", "v1.26.3", "containerd://1.7.0"))
    log = r"""Copying SDN CNI binaries to host
    Directory: C:\opt\cni
d-----         3/30/2023   7:43 PM                bin
copy flannel config
    Directory: C:\etc
d-----         3/30/2023  10:04 PM                kube-flannel
    Directory: C:\etc\kube-flannel
d-----         3/30/2023  10:04 PM                ..2023_03_30_19_04_41.3319718655
d----l         3/30/2023  10:04 PM                ..data
-a---l         3/30/2023  10:04 PM              0 cni-conf.json
-a---l         3/30/2023  10:04 PM              0 net-conf.json
    Directory: C:\hpc\etc\kube-flannel
PermissionDenied: (C:\hpc\etc\kube-flannel\net-conf.json:FileInfo) [Copy-Item], UnauthorizedAccessException"""
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-flannel-ds-windows-amd64",
                     labels={"app": "flannel", "tier": "node"},
                     spec=flannel_ds("sigwindowstools/flannel:v0.21.4-hostprocess"),
                     pods=[ds_pod("kube-flannel-ds-windows-amd64-mthbs", "win-flannel-2",
                                  {"kube-flannel": crash(log, restarts=14)})]))


# ---------------------------------------------------------------------------------------------- 08
@case(id="08-swt316-flannel-cp-access-denied", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/316",
      project="kubernetes-sigs/sig-windows-tools",
      title="cp : Access to the path 'C:\\etc\\kube-flannel\\net-conf.json' is denied in flannel hostprocess start.ps1",
      verbatim="the log line \"cp : Access to the path 'C:\\etc\\kube-flannel\\net-conf.json' is denied.\"; node facts stated: Windows Server 2019 Datacenter 10.0.17763, Kubernetes v1.27.1",
      filled="containerd 1.7.1 (the report only says 'containerd'; the bind behaviour needs >=1.7), kernel UBR 4377; namespace kube-flannel and the sig-windows-tools flannel-overlay.yml spec of that time (mounts at /etc/kube-flannel); image tag, node name, restart count 7, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-flannel/kube-flannel-ds-windows-amd64-lx5pd", "rule": "HP014", "signature": "copy-onto-bound-volume-denied"},
      t0="2023-05-18T08:00:00Z")
def _(cl):
    base(cl, "v1.27.1")
    cl.add_node(win_node(cl.c, "win2019-node1", "192.168.10.21", WS2019, "4377", "v1.27.1", "containerd://1.7.1"))
    log = r"""cp : Access to the path 'C:\etc\kube-flannel\net-conf.json' is denied."""
    cl.workload(dict(kind="DaemonSet", ns="kube-flannel", name="kube-flannel-ds-windows-amd64",
                     labels={"app": "flannel", "tier": "node"},
                     spec=flannel_ds("sigwindowstools/flannel:v0.14.0-hostprocess"),
                     pods=[ds_pod("kube-flannel-ds-windows-amd64-lx5pd", "win2019-node1",
                                  {"kube-flannel": crash(log, restarts=7)})]))


# ---------------------------------------------------------------------------------------------- 09
@case(id="09-swt345-flannel-mounts-path-node-notready", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/345",
      project="kubernetes-sigs/sig-windows-tools",
      title="Windows node NotReady: flannel start script cannot find 'C:\\hpc\\mounts\\kube-flannel\\'",
      verbatim="the 10 log lines (labelled 'Log of kube-proxy' in the report but printed by the flannel start script) up to \"ls : Cannot find path 'C:\\hpc\\mounts\\kube-flannel\\' because it does not exis\"; node NotReady; ConfigMap at /etc/kube-flannel",
      filled="the end of the last line ('t.', PowerShell's fixed text) with no newline after it (the END marker follows on the same line); the NotReady condition text (kubelet's CNI-not-initialized message); containerd 1.7.2, Windows Server 2022, kubelet v1.28.2 (not stated); image tag, names, restart count 11, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-flannel/kube-flannel-ds-windows-amd64-8zq5v", "rule": "HP014", "signature": "hpc-mounts-path-not-found"},
      t0="2023-10-17T18:00:00Z")
def _(cl):
    base(cl, "v1.28.2")
    cl.add_node(win_node(cl.c, "win-worker-01", "172.16.1.50", WS2022, "2031", "v1.28.2", "containerd://1.7.2",
                         ready=False, not_ready="container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"))
    log = r"""Copying SDN CNI binaries to host
    Directory: C:\opt\cni
d-----       10/17/2023  10:27 AM                bin
copy flannel config
    Directory: C:\etc
d-----       10/17/2023  10:27 AM                kube-flannel
    Directory: C:\etc\kube-flannel
-a----       10/17/2023   7:45 PM            108 net-conf.json
ls : Cannot find path 'C:\hpc\mounts\kube-flannel\' because it does not exist."""
    cl.workload(dict(kind="DaemonSet", ns="kube-flannel", name="kube-flannel-ds-windows-amd64",
                     labels={"app": "flannel", "tier": "node"},
                     spec=flannel_ds("sigwindowstools/flannel:v0.21.5-hostprocess"),
                     pods=[ds_pod("kube-flannel-ds-windows-amd64-8zq5v", "win-worker-01",
                                  {"kube-flannel": crash(log, restarts=11, nonl=True)})]))


# ---------------------------------------------------------------------------------------------- 10
@case(id="10-calico11109-hostname-not-recognized", source="https://github.com/projectcalico/calico/issues/11109",
      project="projectcalico/calico",
      title="Calico for Windows HostProcess (policy only, EKS VPC CNI): The term 'hostname' is not recognized",
      verbatim="the log lines quoted in the report (the two 'Environment variable ... is already set' lines, the PowerShell CommandNotFoundException block for 'hostname' from C:\\hpc\\CalicoWindows\\config.ps1:52, 'You cannot call a method on a null-valued expression.'), KUBE_NETWORK=vpc.*, CALICO_NETWORKING_BACKEND=none, VXLAN_VNI=4096",
      filled="the cut between the env lines and the error block is left out; Windows CRLF line endings; the DaemonSet reduced to the container that runs config.ps1 (named node) plus a completed install-cni init container with an empty log; image calico/node-windows:v3.29.1; EKS-style node (kubelet v1.30.4-eks-a737599, containerd 1.7.14, Windows Server 2022) inferred from vpc.*; restart count 10; uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/calico-node-windows-c7wz4", "rule": "HP016", "signature": "powershell-term-not-recognized"},
      t0="2025-09-10T10:00:00Z")
def _(cl):
    base(cl, "v1.30.4")
    cl.add_node(win_node(cl.c, "ip-10-0-12-34.ec2.internal", "10.0.12.34", WS2022, "2655", "v1.30.4-eks-a737599",
                         "containerd://1.7.14"))
    log = r"""Environment variable KUBE_NETWORK is already set: vpc.*
Environment variable CALICO_NETWORKING_BACKEND is already set: none
hostname : The term 'hostname' is not recognized as the name of a cmdlet, function, script file, or operable program.
Check the spelling of the name, or if a path was included, verify that the path is correct and try again.
At C:\hpc\CalicoWindows\config.ps1:52 char:52
+ Set-EnvVarIfNotSet -var "NODENAME" -defaultValue $(hostname).ToLower( ...
    + CategoryInfo          : ObjectNotFound: (hostname:String) ], CommandNotFoundException
    + FullyQualifiedErrorId : CommandNotFoundException
You cannot call a method on a null-valued expression."""
    env = [{"name": "KUBE_NETWORK", "value": "vpc.*"}, {"name": "CALICO_NETWORKING_BACKEND", "value": "none"},
           {"name": "VXLAN_VNI", "value": "4096"}]
    spec = hp_pod([{"name": "node", "image": "calico/node-windows:v3.29.1",
                    "args": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/CalicoWindows/node/node-service.ps1"],
                    "workingDir": "$env:CONTAINER_SANDBOX_MOUNT_POINT/CalicoWindows/", "env": FIELD_ENV + env}],
                  init=[{"name": "install-cni", "image": "calico/cni-windows:v3.29.1",
                         "command": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/opt/cni/bin/install.exe"], "env": env}],
                  sa="calico-node", user=SYSTEM_UC, tolerations=CNI_TOLERATIONS)
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="calico-node-windows",
                     labels={"k8s-app": "calico-node-windows"}, spec=spec,
                     pods=[ds_pod("calico-node-windows-c7wz4", "ip-10-0-12-34.ec2.internal", {
                         "install-cni": dict(s="completed", log=""),
                         "node": crash(log, restarts=10, crlf=True)})]))


# ---------------------------------------------------------------------------------------------- 11
@case(id="11-dcsi169-csi-proxy-bin-not-recognized", source="https://github.com/democratic-csi/democratic-csi/issues/169",
      project="democratic-csi/democratic-csi",
      title="CSI driver isn't operating on Windows nodes: csi-proxy container prints 'bin' is not recognized",
      verbatim="the csi-proxy container log line \"'bin' is not recognized as an internal or external command,\"; DaemonSet democratic-csi/synology-iscsi-democratic-csi-node-windows, pod synology-iscsi-democratic-csi-node-windows-kntl4, ServiceAccount synology-iscsi-democratic-csi-node-sa, containers csi-driver and csi-proxy, node k8t-win-node-1 / 10.10.13.204, pod Running with the node IP",
      filled="cmd's fixed second line 'operable program or batch file.'; Windows CRLF line endings; images (democraticcsi/democratic-csi:v1.8.3, the csi-proxy image) and the container command (not in the report; left to the image entrypoint); csi-driver Running with an empty log; Windows Server 2022, kubelet v1.27.3, containerd 1.7.2 (not stated); restart count 16; uids, timestamps",
      form="stream", expect={"object": "Pod/democratic-csi/synology-iscsi-democratic-csi-node-windows-kntl4", "rule": "HP016", "signature": "cmd-not-recognized"},
      t0="2023-07-23T09:00:00Z")
def _(cl):
    base(cl, "v1.27.3")
    cl.add_node(win_node(cl.c, "k8t-win-node-1", "10.10.13.204", WS2022, "1850", "v1.27.3", "containerd://1.7.2"))
    log = "'bin' is not recognized as an internal or external command,\noperable program or batch file."
    spec = hp_pod([{"name": "csi-driver", "image": "docker.io/democraticcsi/democratic-csi:v1.8.3",
                    "args": ["--csi-version=1.5.0", "--csi-name=org.democratic-csi.iscsi",
                             "--driver-config-file=/config/driver-config-file.yaml", "--log-level=info",
                             "--csi-mode=node", "--server-socket=/csi-data/csi.sock.internal"]},
                   {"name": "csi-proxy", "image": "docker.io/democraticcsi/csi-grpc-proxy:v0.5.3"}],
                  sa="synology-iscsi-democratic-csi-node-sa", user=SYSTEM_UC)
    labels = {"app.kubernetes.io/component": "node-windows", "app.kubernetes.io/instance": "synology-iscsi",
              "app.kubernetes.io/name": "democratic-csi"}
    cl.workload(dict(kind="DaemonSet", ns="democratic-csi", name="synology-iscsi-democratic-csi-node-windows",
                     labels=labels, spec=spec,
                     pods=[ds_pod("synology-iscsi-democratic-csi-node-windows-kntl4", "k8t-win-node-1", {
                         "csi-driver": dict(s="running", log=""),
                         "csi-proxy": crash(log, restarts=16, crlf=True)})]))


# ---------------------------------------------------------------------------------------------- 12
@case(id="12-k8s120113-agnhost-cmd-not-recognized", source="https://github.com/kubernetes/kubernetes/pull/120113",
      project="kubernetes/kubernetes",
      title="e2e HostProcess pod: 'c:\\hpc\\agnhost' is not recognized as an internal or external command",
      verbatim="the container output \"'c:\\hpc\\agnhost' is not recognized as an internal or external command,\" (the CI log shows it after the e2e framework's 'INFO: Logs: ' prefix, which is not part of the container log); the command shape cmd /c c:\\hpc\\agnhost",
      filled="cmd's fixed second line; Windows CRLF line endings; namespace/pod names in the e2e style, args, restartPolicy Never with the pod Failed after one run (exit code 1, reason Error); CAPZ node capz-conf-win-1 with containerd 1.7.2 and a CI kubelet version string v1.29.0-alpha.0.418+6e1c3c1b2a5e0b (the report states the c:\\hpc path only); uids, timestamps",
      form="stream", expect={"object": "Pod/hostprocess-tests-2817/host-process-agnhost-path", "rule": "HP016", "signature": "cmd-not-recognized"},
      t0="2023-08-22T22:00:00Z")
def _(cl):
    kv = "v1.29.0-alpha.0.418+6e1c3c1b2a5e0b"
    base(cl, kv)
    cl.add_node(win_node(cl.c, "capz-conf-win-1", "10.1.0.6", WS2022, "1906", kv, "containerd://1.7.2"))
    log = "'c:\\hpc\\agnhost' is not recognized as an internal or external command,\noperable program or batch file."
    spec = hp_pod([{"name": "agnhost", "image": "registry.k8s.io/e2e-test-images/agnhost:2.45",
                    "command": ["cmd", "/c", "c:\\hpc\\agnhost"], "args": ["pause"]}],
                  user=SYSTEM_UC, extra={"restartPolicy": "Never"})
    cl.workload(dict(kind="Pod", ns="hostprocess-tests-2817", name="host-process-agnhost-path",
                     labels={"test": "host-process-agnhost-path"}, spec=spec,
                     pods=[dict(name="host-process-agnhost-path", node="capz-conf-win-1", phase="Failed",
                                states={"agnhost": dict(s="terminated", log=log, crlf=True)})]))


# ---------------------------------------------------------------------------------------------- 13
@case(id="13-wc371-start-process-class-not-registered", source="https://github.com/microsoft/Windows-Containers/issues/371",
      project="microsoft/Windows-Containers",
      title="agnhost throws 'Class not registered' in a HostProcess container with containerd 1.7.1",
      verbatim="the 6 log lines from 'k logs agnhost-win' (Start-Process : This command cannot be run due to the error: Class not registered. ... FullyQualifiedErrorId : InvalidOperationException,Microsoft.PowerShell.Commands.StartProcessCommand), including the leading space of the first line; pod agnhost-win; the command powershell Start-Process -Wait -FilePath 'C:/hpc/agnhost' -ArgumentList 'help'; containerd 1.7.1",
      filled="Windows CRLF line endings; image tag agnhost:2.43; AKS-style node aksnpwin000001 (Windows Server 2022, kubelet v1.26.3; not stated); restart count 4; uids, timestamps",
      form="stream", expect={"object": "Pod/default/agnhost-win", "rule": "HP016", "signature": "start-process-class-not-registered"},
      t0="2023-05-31T02:00:00Z")
def _(cl):
    base(cl, "v1.26.3")
    cl.add_node(win_node(cl.c, "aksnpwin000001", "10.224.0.33", WS2022, "1726", "v1.26.3", "containerd://1.7.1",
                         extra_labels={"kubernetes.azure.com/os-sku": "Windows2022"}))
    log = r""" Start-Process : This command cannot be run due to the error: Class not registered.
At line:1 char:1
+ Start-Process -Wait -FilePath 'C:/hpc/agnhost' -ArgumentList 'help';  ...
+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    + CategoryInfo          : InvalidOperation: (:) [Start-Process], InvalidOperationException
    + FullyQualifiedErrorId : InvalidOperationException,Microsoft.PowerShell.Commands.StartProcessCommand"""
    spec = hp_pod([{"name": "agnhost", "image": "registry.k8s.io/e2e-test-images/agnhost:2.43",
                    "command": ["powershell", "Start-Process -Wait -FilePath 'C:/hpc/agnhost' -ArgumentList 'help';"]}],
                  user=SYSTEM_UC)
    cl.workload(dict(kind="Pod", ns="default", name="agnhost-win", labels={"app": "agnhost-win"}, spec=spec,
                     pods=[dict(name="agnhost-win", node="aksnpwin000001",
                                states={"agnhost": crash(log, restarts=4, crlf=True)})]))


# ---------------------------------------------------------------------------------------------- 14
@case(id="14-swt344-flannel-ip-forward-entry", left_out="not a HostProcess pod (the wins-based flannel before HostProcess); doctor reads the logs of failing HostProcess containers only", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/344",
      project="kubernetes-sigs/sig-windows-tools",
      title="kube-flannel-ds-windows-amd64 crash-loops after a pod restart: could not create IP forward entry / Failed to find any valid interface",
      verbatim="the log lines 'FATA[2023-08-31T09:03:28-12:00] rpc error: code = Internal desc = could not create IP forward entry: The object already exists.', 'I0831 09:03:31.629069   10044 main.go:518] Determining IP address of default interface', 'E0831 09:03:33.330098   10044 main.go:204] Failed to find any valid interface to use: ...'; Kubernetes 1.23.17, Windows Server 2019 set up with PrepareNode, flannel host-gateway, DaemonSet kube-system/kube-flannel-ds-windows-amd64",
      filled="the report's last line is a bare kubectl --timestamps prefix of an empty line; a dump has no timestamps, so it is left out. NOT a HostProcess pod: the FATA[...] rpc prefix is the rancher/wins proxy of the pre-HostProcess sig-windows-tools flannel, so the spec is that wins-based shape (no windowsOptions, \\\\.\\pipe\\rancher_wins hostPath); whether doctor reports log signatures of non-HostProcess pods is for the lead to decide. containerd 1.6.18, kernel UBR, image tag, restart count 23, names, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-flannel-ds-windows-amd64-rk2mh", "rule": "HP020", "signature": "ip-forward-entry-exists"},
      t0="2023-08-31T20:00:00Z")
def _(cl):
    base(cl, "v1.23.17", "containerd://1.6.18")
    cl.add_node(win_node(cl.c, "winnode01", "10.20.0.51", WS2019, "4737", "v1.23.17", "containerd://1.6.18"))
    log = r"""FATA[2023-08-31T09:03:28-12:00] rpc error: code = Internal desc = could not create IP forward entry: The object already exists. 
I0831 09:03:31.629069   10044 main.go:518] Determining IP address of default interface
E0831 09:03:33.330098   10044 main.go:204] Failed to find any valid interface to use: failed to get default interface: json: cannot unmarshal array into Go value of type struct { IfIndex int "json:\"ifIndex\"" }"""
    log = log.replace("exists. \n", "exists.\n")
    spec = {
        "volumes": [{"name": "wins", "hostPath": {"path": "\\\\.\\pipe\\rancher_wins", "type": ""}},
                    {"name": "host", "hostPath": {"path": "/", "type": ""}},
                    {"name": "flannel-cfg", "configMap": {"name": "kube-flannel-cfg", "defaultMode": 420}},
                    {"name": "flannel-windows-cfg", "configMap": {"name": "kube-flannel-windows-cfg", "defaultMode": 420}}],
        "containers": [{"name": "kube-flannel", "image": "sigwindowstools/flannel:v0.13.0-nanoserver",
                        "command": ["pwsh"], "args": ["-file", "/etc/kube-flannel-windows/run.ps1"],
                        "env": FIELD_ENV,
                        "volumeMounts": [{"name": "wins", "mountPath": "\\\\.\\pipe\\rancher_wins"},
                                         {"name": "host", "mountPath": "/host"},
                                         {"name": "flannel-cfg", "mountPath": "/etc/kube-flannel/"},
                                         {"name": "flannel-windows-cfg", "mountPath": "/etc/kube-flannel-windows/"}]}],
        "nodeSelector": {"kubernetes.io/os": "windows"},
        "serviceAccountName": "flannel",
        "hostNetwork": True,
        "tolerations": CNI_TOLERATIONS,
    }
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-flannel-ds-windows-amd64",
                     labels={"app": "flannel", "tier": "node"}, spec=spec,
                     pods=[ds_pod("kube-flannel-ds-windows-amd64-rk2mh", "winnode01",
                                  {"kube-flannel": crash(log, restarts=23)})]))


# ---------------------------------------------------------------------------------------------- 15
@case(id="15-flannel1966-hcn-create-network-0x57", source="https://github.com/flannel-io/flannel/issues/1966",
      project="flannel-io/flannel",
      title="failed to create HostComputeNetwork flannel.4096: hcnCreateNetwork failed in Win32: The parameter is incorrect. (0x57)",
      verbatim="the four flanneld lines (three klog lines up to 'Starting kube subnet manager' and 'failed to create HostComputeNetwork flannel.4096: hcnCreateNetwork failed in Win32: The parameter is incorrect. (0x57)'), flanneld's --kube-subnet-mgr --iface 192.168.1.162, the C:\\hpc\\flannel location",
      filled="the cut between the subnet-manager line and the error is left out; the report ran flanneld by hand in the container, here the same lines are the flannel container's log; namespace kube-flannel, image sigwindowstools/flannel:v0.25.1-hostprocess, node win-1 (192.168.1.162) Windows Server 2022, kubelet v1.29.4, containerd 1.7.16 (not stated); restart count 6; uids, timestamps",
      form="stream", expect={"object": "Pod/kube-flannel/kube-flannel-ds-windows-amd64-zr6nt", "rule": "HP020", "signature": "hcn-network-invalid"},
      t0="2024-05-10T13:30:00Z")
def _(cl):
    base(cl, "v1.29.4")
    cl.add_node(win_node(cl.c, "win-1", "192.168.1.162", WS2022, "2402", "v1.29.4", "containerd://1.7.16"))
    log = r"""W0510 14:32:06.689895    6728 client_config.go:618] Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.
I0510 14:32:06.711721    6728 kube.go:139] Waiting 10m0s for node controller to sync
I0510 14:32:06.711721    6728 kube.go:455] Starting kube subnet manager
failed to create HostComputeNetwork flannel.4096: hcnCreateNetwork failed in Win32: The parameter is incorrect. (0x57)"""
    cl.workload(dict(kind="DaemonSet", ns="kube-flannel", name="kube-flannel-ds-windows-amd64",
                     labels={"app": "flannel", "tier": "node"},
                     spec=flannel_ds("sigwindowstools/flannel:v0.25.1-hostprocess",
                                     mounts=("/mounts/kube-flannel/", "/mounts/kube-flannel-windows/"),
                                     env_extra=[{"name": "KUBERNETES_SERVICE_HOST", "value": "192.168.1.160"},
                                                {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"}]),
                     pods=[ds_pod("kube-flannel-ds-windows-amd64-zr6nt", "win-1",
                                  {"kube-flannel": crash(log, restarts=6)})]))


# ---------------------------------------------------------------------------------------------- 16
@case(id="16-calico7445-rbac-node-identity", left_out="the calico-node container keeps running and ready (it retries inside the process), so no container is failing and, as live, its log is not read", source="https://github.com/projectcalico/calico/issues/7445",
      project="projectcalico/calico",
      title="Calico Windows HostProcess node authenticates as system:node:<name> (KUBECONFIG=C:/k/config): clusterinformations is forbidden",
      verbatim="the five 'node' container log lines (Starting node appmana-006 with version v3.23.5 ... 'is forbidden: User \"system:node:appmana-006\" cannot get resource \"clusterinformations\" ...' ... 'Calico node initialisation failed, will retry...'); DaemonSet calico-node-windows with init container install and container node; env KUBECONFIG=C:/k/config, CALICO_NETWORKING_BACKEND=windows-bgp, K8S_SERVICE_CIDR=10.152.184.0/24, DNS_NAME_SERVERS=10.152.184.10, CNI_BIN_DIR, CNI_CONF_DIR; node appmana-006; image calico/windows v3.23.5",
      filled="directory form of the dump; the node container keeps running (node-service.ps1 retries), so the pod is Running with the errors in its log and no restarts; the install init container Completed with an empty log; namespace kube-system; node facts (Windows Server 2022, kubelet v1.26.1, containerd 1.6.18) not stated; uids, timestamps",
      form="directory", expect={"object": "Pod/kube-system/calico-node-windows-w5k8p", "rule": "HP021", "signature": "rbac-forbidden"},
      t0="2023-03-09T11:30:00Z")
def _(cl):
    base(cl, "v1.26.1")
    cl.add_node(win_node(cl.c, "appmana-006", "192.168.2.106", WS2022, "1547", "v1.26.1", "containerd://1.6.18"))
    log = r"""2023-03-09 12:21:47.764 [INFO][2820] startup/startup.go 94: Starting node appmana-006 with version v3.23.5
2023-03-09 12:21:47.768 [INFO][2820] startup/startup.go 106: Skipping datastore connection test
2023-03-09 12:21:47.781 [ERROR][2820] startup/startup.go 111: Unable to ensure datastore is migrated. error=unable to query ClusterInformation to determine Calico version: connection is unauthorized: clusterinformations.crd.projectcalico.org "default" is forbidden: User "system:node:appmana-006" cannot get resource "clusterinformations" in API group "crd.projectcalico.org" at the cluster scope
2023-03-09 12:21:47.781 [WARNING][2820] startup/utils.go 49: Terminating
Calico node initialisation failed, will retry..."""
    env = [{"name": "KUBECONFIG", "value": "C:/k/config"}, {"name": "CALICO_NETWORKING_BACKEND", "value": "windows-bgp"},
           {"name": "K8S_SERVICE_CIDR", "value": "10.152.184.0/24"}, {"name": "DNS_NAME_SERVERS", "value": "10.152.184.10"},
           {"name": "CNI_BIN_DIR", "value": "c:\\opt\\cni\\bin"}, {"name": "CNI_CONF_DIR", "value": "c:\\etc\\cni\\net.d"}]
    spec = hp_pod([{"name": "node", "image": "calico/windows:v3.23.5",
                    "args": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/CalicoWindows/node/node-service.ps1"],
                    "workingDir": "$env:CONTAINER_SANDBOX_MOUNT_POINT/CalicoWindows/", "env": env}],
                  init=[{"name": "install", "image": "calico/windows:v3.23.5",
                         "args": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/CalicoWindows/install-calico.ps1"], "env": env}],
                  sa="calico-node", user=SYSTEM_UC, tolerations=CNI_TOLERATIONS)
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="calico-node-windows",
                     labels={"k8s-app": "calico-node-windows"}, spec=spec,
                     pods=[ds_pod("calico-node-windows-w5k8p", "appmana-006", {
                         "install": dict(s="completed", log=""), "node": dict(s="running", log=log)}, ready=True)]))


# ---------------------------------------------------------------------------------------------- 17
@case(id="17-swt360-kube-proxy-localhost-apiserver", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/360",
      project="kubernetes-sigs/sig-windows-tools",
      title="kube-proxy-windows with the kubespray kube-proxy ConfigMap crash-loops: dial tcp 127.0.0.1:6443: connectex",
      verbatim="the error fragment 'dial tcp 127.0.0.1:6443: connectex: No connection could be made because the target'; kube-proxy-windows HostProcess DaemonSet using the kube-proxy ConfigMap generated by kubespray; CrashLoop",
      filled="the rest of the Win32 text ('machine actively refused it.') and the klog line around the fragment (E0204 ... node.go:130] Failed to retrieve node info: Get \"https://127.0.0.1:6443/api/v1/nodes/win-worker-1\": ...), which the report does not quote; image sigwindowstools/kube-proxy:v1.28.6-flannel-hostprocess with the /mounts/ manifest; node win-worker-1 (Windows Server 2022, kubelet v1.28.6, containerd 1.7.13; not stated); restart count 19; uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-proxy-windows-2vf7c", "rule": "HP021", "signature": "localhost-api-server"},
      t0="2024-02-04T02:00:00Z")
def _(cl):
    base(cl, "v1.28.6")
    cl.add_node(win_node(cl.c, "win-worker-1", "10.10.1.21", WS2022, "2227", "v1.28.6", "containerd://1.7.13"))
    log = ('E0204 03:12:44.118412    4388 node.go:130] Failed to retrieve node info: Get "https://127.0.0.1:6443/api/v1/nodes/win-worker-1": '
           'dial tcp 127.0.0.1:6443: connectex: No connection could be made because the target machine actively refused it.')
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"},
                     spec=kube_proxy_ds("sigwindowstools/kube-proxy:v1.28.6-flannel-hostprocess",
                                        mount="/mounts/var/lib/kube-proxy", working_dir=False,
                                        args=[], env=[{"name": "KUBE_NETWORK", "value": "flannel.4096"},
                                                      {"name": "CNI_BIN_PATH", "value": "C:\\\\opt\\\\cni\\\\bin"}]),
                     pods=[ds_pod("kube-proxy-windows-2vf7c", "win-worker-1", {"kube-proxy": crash(log, restarts=19)})]))


# ---------------------------------------------------------------------------------------------- 18
@case(id="18-csismb663-csi-proxy-panic", source="https://github.com/kubernetes-csi/csi-driver-smb/issues/663",
      project="kubernetes-csi/csi-driver-smb",
      title="csi-proxy v1.1.1 HostProcess DaemonSet on RKE2 panics at start: panic: ([]error)",
      verbatim="the csi-proxy log lines (Starting CSI-Proxy Server ..., Version: v1.1.1-0-gc16d19a, Working directories: %v[C:\\var\\lib\\kubelet], panic: ([]error) 0xc000004c00, goroutine 1 [running]:, main.main(), the tab-indented main.go:73 frame); the CAPZ csi-proxy HostProcess DaemonSet; RKE2 with Windows nodes",
      filled="the RFC3339 prefixes on some lines of the report come from the reporter's log viewer and are not in a dump, so they are removed; exit code 2 (Go panic); RKE2 node facts (kubelet v1.26.8+rke2r1, containerd 1.7.3-k3s1, Windows Server 2022) not stated; restart count 9; namespace, names, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/csi-proxy-9dmzb", "rule": "HP019", "signature": "csi-proxy-panic"},
      t0="2023-09-07T09:30:00Z")
def _(cl):
    base(cl, "v1.26.8+rke2r1", "containerd://1.7.3-k3s1")
    cl.add_node(win_node(cl.c, "rke2-win-01", "10.30.0.61", WS2022, "1970", "v1.26.8+rke2r1", "containerd://1.7.3-k3s1"))
    log = ("I0907 03:07:19.474978    7664 main.go:64] Starting CSI-Proxy Server ...\n"
           "I0907 03:07:19.474978    7664 main.go:65] Version: v1.1.1-0-gc16d19a\n"
           "I0907 03:07:19.474978    7664 main.go:84] Working directories: %v[C:\\var\\lib\\kubelet]\n"
           "panic: ([]error) 0xc000004c00\n"
           "goroutine 1 [running]:\n"
           "main.main()\n"
           "\t/mnt/vss/_work/1/go/src/github.com/kubernetes-csi/csi-proxy/cmd/csi-proxy/main.go:73 +0x1fd")
    spec = hp_pod([{"name": "csi-proxy", "image": "ghcr.io/kubernetes-sigs/sig-windows/csi-proxy:v1.1.1"}], user=SYSTEM_UC)
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="csi-proxy", labels={"k8s-app": "csi-proxy"}, spec=spec,
                     pods=[ds_pod("csi-proxy-9dmzb", "rke2-win-01", {"csi-proxy": crash(log, restarts=9, exit=2)})]))


# ---------------------------------------------------------------------------------------------- 19 / 20
PWSH_SCRIPT = ('$AdminRights = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent())'
               '.IsInRole([Security.Principal.WindowsBuiltInRole]"Administrator")\n'
               'Write-Host "Process has admin rights: $AdminRights"\n'
               'while ($true) { Start-Sleep -Seconds 2147483 }\n')
PWSH_CMDLINE = 'pwsh.exe -command "%s"' % PWSH_SCRIPT.replace('"', '\\"')


def aks_sample_spec(command):
    return hp_pod([{"name": "powershell", "image": "mcr.microsoft.com/powershell:lts-nanoserver-1809",
                    "command": command}], user=SYSTEM_UC)


@case(id="19-azdocs101174-pwsh-start-error", source="https://github.com/MicrosoftDocs/azure-docs/issues/101174",
      project="MicrosoftDocs/azure-docs",
      title="AKS HostProcess sample: the pod never runs (StartError: failed to get application name from commandline \"pwsh.exe ...\")",
      verbatim="container status: State Waiting / Reason CrashLoopBackOff, Last State Terminated / Reason StartError / Message 'failed to start containerd task \"9bfe2196b3666848efa302d43562d07489d7697636b752f8683309915613a504\": failed to get application name from commandline \"pwsh.exe -command \\\"$AdminRights = ([Security.Principal.WindowsPrincipal]...' (cut in the report); DaemonSet privileged-daemonset, container powershell, image mcr.microsoft.com/powershell:lts-nanoserver-1809, the pwsh.exe -command script",
      filled="the rest of the termination message (the remaining script lines in Go %q quoting, then ': failed to find executable <same command line>: unknown', the shape of the sibling report azure-docs#101159); exit code 128; no log (the process never started: the log section is empty); namespace kube-system; AKS node aksnpwin000000 Windows Server 2019, kubelet v1.24.6, containerd 1.6.6+azure (not stated); restart count 7; uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/privileged-daemonset-k6z9j", "rule": "HP016", "signature": None},
      t0="2022-11-09T07:00:00Z")
def _(cl):
    base(cl, "v1.24.6", "containerd://1.6.4+azure-4")
    cl.add_node(win_node(cl.c, "aksnpwin000000", "10.224.0.4", WS2019, "3532", "v1.24.6", "containerd://1.6.6+azure",
                         extra_labels={"kubernetes.azure.com/os-sku": "Windows2019"}))
    q = go_quote(PWSH_CMDLINE)
    msg = ('failed to start containerd task "9bfe2196b3666848efa302d43562d07489d7697636b752f8683309915613a504": '
           'failed to get application name from commandline %s: failed to find executable %s: unknown') % (q, q)
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="privileged-daemonset",
                     labels={"app": "privileged-daemonset"},
                     spec=aks_sample_spec(["pwsh.exe", "-command", PWSH_SCRIPT]),
                     pods=[ds_pod("privileged-daemonset-k6z9j", "aksnpwin000000", {"powershell": dict(
                         s="starterror", restarts=7, message=msg, log="",
                         cid="9bfe2196b3666848efa302d43562d07489d7697636b752f8683309915613a504")})]))


@case(id="20-azdocs101159-pwsh-failed-event", source="https://github.com/MicrosoftDocs/azure-docs/issues/101159",
      project="MicrosoftDocs/azure-docs",
      title="AKS HostProcess sample broken on AKS 1.24.6 with Windows 2019 nodes: failed to find executable \"pwsh.exe -command ...\"",
      verbatim="the Failed event on pod/privileged-daemonset-fcrvp: 'Error: failed to start containerd task \"powershell\": failed to get application name from commandline \"pwsh.exe -command \\\"$AdminRights = ...\\\"\": failed to find executable \"pwsh.exe -command \\\"$AdminRights = ...\\n\\\"\": unknown' (cut twice in the report); AKS v1.24.6, Windows Server 2019 nodes; DaemonSet privileged-daemonset, container powershell",
      filled="the cut parts of the command line (the sample's script, in Go %q quoting); the whole script as ONE command element (the report says it ended up in one argv element); the termination message (same text without 'Error: '); containerd 1.6.6+azure; exit code 128; restart count 5; namespace kube-system; uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/privileged-daemonset-fcrvp", "rule": "HP016", "signature": None},
      t0="2022-11-08T10:00:00Z")
def _(cl):
    base(cl, "v1.24.6", "containerd://1.6.4+azure-4")
    cl.add_node(win_node(cl.c, "akswin000001", "10.224.0.5", WS2019, "3532", "v1.24.6", "containerd://1.6.6+azure",
                         extra_labels={"kubernetes.azure.com/os-sku": "Windows2019"}))
    q = go_quote(PWSH_CMDLINE)
    err = 'failed to start containerd task "powershell": failed to get application name from commandline %s: failed to find executable %s: unknown' % (q, q)
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="privileged-daemonset",
                     labels={"app": "privileged-daemonset"}, spec=aks_sample_spec([PWSH_CMDLINE]),
                     pods=[ds_pod("privileged-daemonset-fcrvp", "akswin000001", {"powershell": dict(
                         s="starterror", restarts=5, message=err, log="")},
                         events=[dict(reason="Failed", message="Error: " + err, count=6, container="powershell")])]))


# ---------------------------------------------------------------------------------------------- 21
def waiting(reason, message=None):
    return dict(s="waiting", reason=reason, message=message)


@case(id="21-swt249-kube-proxy-sandbox-hcn-0x57", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/249",
      project="kubernetes-sigs/sig-windows-tools",
      title="kube-proxy HostProcess pod: FailedCreatePodSandBox hcnCreateNetwork failed in Win32: The parameter is incorrect. (0x57)",
      verbatim="the FailedCreatePodSandBox event message on the kube-proxy pod (sandbox 8e435625...cb1, hcnCreateNetwork failed in Win32: The parameter is incorrect. (0x57) {\"Success\":false,...,\"ErrorCode\":2147942487}); calico-node-windows-vc2hb 0/2 Init:CrashLoopBackOff with 9 restarts; images sigwindowstools/calico-node:v3.20.0-hostprocess and sigwindowstools/calico-install:v3.20.0-hostprocess; node facts Windows Server 2019, Kubernetes 1.24.7, containerd 1.6.8",
      filled="kube-proxy pod name suffix and spec (sig-windows-tools calico kube-proxy.yml, pod-level hostProcess: the report does not show it; a real HostProcess sandbox skips CNI, so the event itself says the sandbox was not created as HostProcess - HP002/#110140 territory, see README); the calico init container's crash log is not in the report and left empty; the event count (39m of retries); node name, kernel UBR, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-proxy-windows-p4x9m", "rule": "HP019", "signature": "hcn-network-invalid"},
      t0="2022-11-12T10:00:00Z")
def _(cl):
    base(cl, "v1.24.7", "containerd://1.6.8")
    cl.add_node(win_node(cl.c, "win-2019-01", "10.0.0.71", WS2019, "3650", "v1.24.7", "containerd://1.6.8"))
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="calico-node-windows",
                     labels={"app": "calico", "tier": "node"}, spec=calico_sigwt_ds("v3.20.0"),
                     pods=[ds_pod("calico-node-windows-vc2hb", "win-2019-01", {
                         "install-cni": crash("", restarts=9),
                         "calico-node-startup": waiting("PodInitializing"),
                         "calico-node-felix": waiting("PodInitializing")})]))
    msg = ('Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox '
           '"8e435625c074122ed0803a5bbd518d8943f6131683735af03a8cf985e4537cb1": hcnCreateNetwork failed in Win32: '
           'The parameter is incorrect. (0x57) {"Success":false,"Error":"The parameter is incorrect. ","ErrorCode":2147942487}')
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"},
                     spec=kube_proxy_ds("sigwindowstools/kube-proxy:v1.24.7-calico-hostprocess"),
                     pods=[ds_pod("kube-proxy-windows-p4x9m", "win-2019-01",
                                  {"kube-proxy": waiting("ContainerCreating")}, sandbox=False,
                                  events=[dict(reason="FailedCreatePodSandBox", message=msg, count=178)])]))


# ---------------------------------------------------------------------------------------------- 22
@case(id="22-swt245-ordinary-pod-hcn-0x1392", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/245",
      project="kubernetes-sigs/sig-windows-tools",
      title="ordinary Windows pod with flannel host-gw HostProcess on WS2022: hcnCreateNetwork failed in Win32: The object already exists. (0x1392)",
      verbatim="the FailedCreatePodSandBox message (sandbox 7b785a76...7d30, plugin type=\"nat\" name=\"nat\" failed (add): hcnCreateNetwork failed in Win32: The object already exists. (0x1392) {...\"ErrorCode\":2147947410}); node facts Windows Server 2022 LTSC, Kubernetes 1.24.3, containerd 1.6.6; flannel host-gw and kube-proxy HostProcess DaemonSets",
      filled="the sample workload (Deployment default/win-webserver, servercore IIS image) and its pod name; flannel/kube-proxy pods Running with empty logs (the report shows no log of them); namespace kube-system for flannel; node name, kernel UBR, event count, uids, timestamps",
      form="stream", expect={"object": "Pod/default/win-webserver-5d9c7f6b8-h2xkq", "rule": "HP020", "signature": "hcn-network-exists"},
      t0="2022-09-08T06:00:00Z")
def _(cl):
    base(cl, "v1.24.3", "containerd://1.6.6")
    cl.add_node(win_node(cl.c, "win2022-w1", "192.168.56.21", WS2022, "887", "v1.24.3", "containerd://1.6.6"))
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-flannel-ds-windows-amd64",
                     labels={"app": "flannel", "tier": "node"},
                     spec=flannel_ds("sigwindowstools/flannel:v0.14.0-hostprocess"),
                     pods=[ds_pod("kube-flannel-ds-windows-amd64-b6hqt", "win2022-w1",
                                  {"kube-flannel": dict(s="running", log="")}, ready=True)]))
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"},
                     spec=kube_proxy_ds("sigwindowstools/kube-proxy:v1.24.3-flannel-hostprocess",
                                        env=[{"name": "KUBE_NETWORK", "value": "cbr0"}]),
                     pods=[ds_pod("kube-proxy-windows-fw7sd", "win2022-w1",
                                  {"kube-proxy": dict(s="running", log="")}, ready=True)]))
    msg = ('Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox '
           '"7b785a7675d04fb8c0fa9423c344f870ae02dfc635b52f869985c21c73f77d30": plugin type="nat" name="nat" failed (add): '
           'hcnCreateNetwork failed in Win32: The object already exists. (0x1392) '
           '{"Success":false,"Error":"The object already exists. ","ErrorCode":2147947410}')
    cl.workload(dict(kind="Deployment", ns="default", name="win-webserver", rs_hash="5d9c7f6b8",
                     labels={"app": "win-webserver"},
                     spec={"containers": [{"name": "windowswebserver",
                                           "image": "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"}],
                           "nodeSelector": {"kubernetes.io/os": "windows"}},
                     pods=[dict(name="win-webserver-5d9c7f6b8-h2xkq", node="win2022-w1", sandbox=False,
                                states={"windowswebserver": waiting("ContainerCreating")},
                                events=[dict(reason="FailedCreatePodSandBox", message=msg, count=42)])]))


# ---------------------------------------------------------------------------------------------- 23
@case(id="23-swt302-ordinary-pod-empty-api-host", source="https://github.com/kubernetes-sigs/sig-windows-tools/issues/302",
      project="kubernetes-sigs/sig-windows-tools",
      title="calico-node-windows CrashLoopBackOff; ordinary pods: error creating calico client: host must be a URL or a host:port pair: \"https://\"",
      verbatim="the three events on the test pod iis-8c9f8c6f8-kmv4p (FailedCreatePodSandBox with sandbox aa57bc8e...a56ea, plugin type=\"calico\" failed (add): error creating calico client: host must be a URL or a host:port pair: \"https://\"; Scheduled 'Successfully assigned default/iis-8c9f8c6f8-kmv4p to win-kjq4utr64p6'; SandboxChanged 'Pod sandbox changed, it will be killed and re-created.'); calico-node-windows-85sks in CrashLoopBackOff, ServiceAccount calico-node, labels app=calico tier=node, init install-cni (sigwindowstools/calico-install:v3.26.1-hostprocess, args $env:CONTAINER_SANDBOX_MOUNT_POINT/calico/install.ps1) Completed with exit code 0; containerd 1.6.20; Kubernetes 1.24.13",
      filled="directory form of the dump; the report mixes two reporters (node vm-winworker/192.168.0.3 and the repro node win-kjq4utr64p6): one node win-kjq4utr64p6 carries both pods; the calico containers' crash logs are not in the report and left empty; the Deployment iis and its ReplicaSet, kernel UBR, restart counts, uids, timestamps",
      form="directory", expect={"object": "Pod/default/iis-8c9f8c6f8-kmv4p", "rule": "HP020", "signature": "empty-api-host"},
      t0="2023-06-02T08:00:00Z")
def _(cl):
    base(cl, "v1.24.13", "containerd://1.7.0")
    cl.add_node(win_node(cl.c, "win-kjq4utr64p6", "192.168.0.3", WS2022, "1668", "v1.24.13", "containerd://1.6.20"))
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="calico-node-windows",
                     labels={"app": "calico", "tier": "node"}, spec=calico_sigwt_ds("v3.26.1"),
                     pods=[ds_pod("calico-node-windows-85sks", "win-kjq4utr64p6", {
                         "install-cni": dict(s="completed", log=""),
                         "calico-node-startup": crash("", restarts=17),
                         "calico-node-felix": crash("", restarts=17)})]))
    msg = ('Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox '
           '"aa57bc8e718456b3aa51304671c81f93978589373ac89958ebb61a532ccf56ea": plugin type="calico" failed (add): '
           'error creating calico client: host must be a URL or a host:port pair: "https://"')
    cl.workload(dict(kind="Deployment", ns="default", name="iis", rs_hash="8c9f8c6f8", labels={"app": "iis"},
                     spec={"containers": [{"name": "iis", "image": "mcr.microsoft.com/windows/servercore/iis"}],
                           "nodeSelector": {"kubernetes.io/os": "windows"}},
                     pods=[dict(name="iis-8c9f8c6f8-kmv4p", node="win-kjq4utr64p6", sandbox=False, created=2990,
                                states={"iis": waiting("ContainerCreating")},
                                events=[dict(reason="FailedCreatePodSandBox", message=msg, first=590),
                                        dict(reason="Scheduled", type="Normal", component="default-scheduler",
                                             message="Successfully assigned default/iis-8c9f8c6f8-kmv4p to win-kjq4utr64p6",
                                             first=590),
                                        dict(reason="SandboxChanged", type="Normal",
                                             message="Pod sandbox changed, it will be killed and re-created.", first=591)])]))


# ---------------------------------------------------------------------------------------------- 24
@case(id="24-k8s74766-ordinary-pod-hns-endpoint", source="https://github.com/kubernetes/kubernetes/issues/74766",
      project="kubernetes/kubernetes",
      title="Creating Windows pods flaky due to HNS error: failed to create the new HNSEndpoint: hnsCall failed in Win32: The object already exists. (0x1392)",
      verbatim="the FailedCreatePodSandBox event on pod shetland (default) from 'kubelet, e2e-test-yjhong-windows-node-group-rdt6' up to 'hnsCall failed in Win32: The object already exists. (0x1392)', sandbox 5a4a06b6...2106, network l2bridge, endpoint id 359CAE70-8CA4-4143-A42B-42644CF04022; the old 'Failed create pod sandbox' wording",
      filled="the report abbreviates the sandbox id to 5a4a... inside ProvisionEndpoint(...): expanded to the full id given earlier in the same message; the message's tail (', failed to clean up sandbox container ...') is cut in the report and left out, the bracket closed; docker era: node runtime docker://18.9.3, kubelet v1.14.0-beta.1, Windows Server 2019 without the windows-build label (added in 1.17); no HostProcess pod exists in this cluster; pod image, event count, uids, timestamps",
      form="stream", expect={"object": "Pod/default/shetland", "rule": "HP020", "signature": "hns-endpoint-exists"},
      t0="2019-03-01T18:00:00Z")
def _(cl):
    base(cl, "v1.14.0-beta.1", "docker://18.9.2")
    cl.add_node(win_node(cl.c, "e2e-test-yjhong-windows-node-group-rdt6", "10.40.0.5", WS2019, "316", "v1.14.0-beta.1",
                         "docker://18.9.3", build_label=False))
    sid = "5a4a06b6983a52f678e15203f1e77e0e310933e5a506dc3167bf7f3e57782106"
    msg = ('Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "%s" network for pod '
           '"shetland": NetworkPlugin cni failed to set up pod "shetland_default" network: error while ProvisionEndpoint('
           '%s_l2bridge,359CAE70-8CA4-4143-A42B-42644CF04022,%s): failed to create the new HNSEndpoint: hnsCall failed in '
           'Win32: The object already exists. (0x1392)]') % (sid, sid, sid)
    cl.workload(dict(kind="Pod", ns="default", name="shetland", labels={"app": "shetland"},
                     spec={"containers": [{"name": "shetland", "image": "e2eteam/busybox:1.29"}],
                           "nodeSelector": {"beta.kubernetes.io/os": "windows"}},
                     pods=[dict(name="shetland", node="e2e-test-yjhong-windows-node-group-rdt6", sandbox=False,
                                runtime_prefix="docker", states={"shetland": waiting("ContainerCreating")},
                                events=[dict(reason="FailedCreatePodSandBox", message=msg, count=3)])]))


# ---------------------------------------------------------------------------------------------- 25 / 26
def node_shell_spec():
    return {"containers": [{"name": "pwsh", "image": "mcr.microsoft.com/powershell",
                            "command": ["cmd.exe", "/c",
                                        "%CONTAINER_SANDBOX_MOUNT_POINT%\\Program Files\\PowerShell\\latest\\pwsh.exe",
                                        "-nol", "-wd", "C:\\"],
                            "securityContext": {"privileged": True,
                                                "windowsOptions": {"hostProcess": True, "runAsUserName": SYSTEM_UC}},
                            "stdin": True, "stdinOnce": True, "tty": True}],
            "restartPolicy": "Never", "nodeName": "aksnpwin000000", "hostNetwork": True, "hostPID": True,
            "hostIPC": True, "tolerations": [{"operator": "Exists"}]}


NODESHELL_META = dict(source="https://github.com/kvaps/kubectl-node-shell/issues/46", project="kvaps/kubectl-node-shell")


@case(id="25-nodeshell46-no-match-platform", title="kubectl-node-shell 1.7.0 on a Windows Server 2019 node: no match for platform in manifest",
      verbatim="the two kubelet events (Warning Failed 'Failed to pull image \"mcr.microsoft.com/powershell\": rpc error: code = NotFound desc = failed to pull and unpack image \"mcr.microsoft.com/powershell:latest\": no match for platform in manifest: not found'; Normal BackOff 'Back-off pulling image \"mcr.microsoft.com/powershell\"'); pod pwsh-g9mo7u on aksnpwin000000; the pod spec node-shell creates (image mcr.microsoft.com/powershell, cmd.exe /c %CONTAINER_SANDBOX_MOUNT_POINT%\\Program Files\\PowerShell\\latest\\pwsh.exe -nol -wd C:\\, container-level privileged + windowsOptions hostProcess/NT AUTHORITY\\SYSTEM, hostNetwork/hostPID/hostIPC)",
      filled="container name pwsh, stdin/tty, restartPolicy Never, toleration; the snapshot: waiting ImagePullBackOff; AKS node facts (Windows Server 2019 10.0.17763.3887, kubelet v1.24.9, containerd 1.6.14+azure) not stated beyond 'Windows2019'; uids, timestamps",
      form="stream", expect={"object": "Pod/default/pwsh-g9mo7u", "rule": "HP017", "signature": None},
      t0="2023-01-28T05:00:00Z", **NODESHELL_META)
def _(cl):
    nodeshell(cl, events=True)


@case(id="26-nodeshell46-pull-backoff-no-events", title="the same node-shell pod when no event survives: only the ImagePullBackOff waiting reason",
      verbatim="the pod spec and node of case 25 (kvaps/kubectl-node-shell#46), and the waiting reason/message kubelet sets for a failing pull (ImagePullBackOff, 'Back-off pulling image \"mcr.microsoft.com/powershell\"')",
      filled="the EventList is empty on purpose: this bundle tests the fallback when the pull events are gone (expired after --event-ttl, or not collected); everything else as in case 25",
      form="stream", expect={"object": "Pod/default/pwsh-g9mo7u", "rule": "HP017", "signature": None},
      t0="2023-01-28T05:00:00Z", **NODESHELL_META)
def _(cl):
    nodeshell(cl, events=False)


def nodeshell(cl, events):
    base(cl, "v1.24.9", "containerd://1.6.4+azure-4")
    cl.add_node(win_node(cl.c, "aksnpwin000000", "10.224.0.35", WS2019, "3887", "v1.24.9", "containerd://1.6.14+azure",
                         extra_labels={"kubernetes.azure.com/os-sku": "Windows2019"}))
    ev = [dict(reason="Failed", container="pwsh", first=600,
               message='Failed to pull image "mcr.microsoft.com/powershell": rpc error: code = NotFound desc = failed to pull and unpack image "mcr.microsoft.com/powershell:latest": no match for platform in manifest: not found'),
          dict(reason="BackOff", type="Normal", container="pwsh", first=600,
               message='Back-off pulling image "mcr.microsoft.com/powershell"')]
    cl.workload(dict(kind="Pod", ns="default", name="pwsh-g9mo7u", labels={"run": "pwsh-g9mo7u"}, spec=node_shell_spec(),
                     pods=[dict(name="pwsh-g9mo7u", node="aksnpwin000000", created=2992,
                                states={"pwsh": waiting("ImagePullBackOff", 'Back-off pulling image "mcr.microsoft.com/powershell"')},
                                events=ev if events else [])]))


# ---------------------------------------------------------------------------------------------- 27
@case(id="27-psa-baseline-hostprocess-daemonset", source="https://github.com/redhat-best-practices-for-k8s/certsuite/issues/547",
      project="redhat-best-practices-for-k8s/certsuite (event shape); HostProcess variant",
      title="Pod Security baseline rejects a HostProcess DaemonSet: FailedCreate ... violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true), hostProcess (...)",
      verbatim="the FailedCreate event shape from the report (daemonset-controller, 'Error creating: pods \"<name>-<suffix>\" is forbidden: violates PodSecurity \"<level>:<version>\": ...'). The report is NOT about Windows: no public HostProcess PSA report was found, so the HostProcess items of the message are Pod Security Admission's baseline texts for this spec (host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true))",
      filled="the whole DaemonSet (sig-windows-tools flannel-overlay.yml in namespace kube-flannel with FLANNEL_VERSION v0.21.5 and the API endpoint substituted), desiredNumberScheduled 1 / currentNumberScheduled 0 and no pods; the generated pod name in the message (PSA is a validating plugin and runs after name generation); event count, nodes, uids, timestamps",
      form="stream", expect={"object": "DaemonSet/kube-flannel/kube-flannel-ds-windows-amd64", "rule": "HP007", "signature": None},
      t0="2024-03-12T09:00:00Z")
def _(cl):
    base(cl, "v1.29.2")
    cl.add_node(win_node(cl.c, "win-node-a", "10.0.0.81", WS2022, "2322", "v1.29.2", "containerd://1.7.13"))
    name = "kube-flannel-ds-windows-amd64"
    cl.space("kube-flannel")
    cl.workload(dict(kind="DaemonSet", ns="kube-flannel", name=name, labels={"app": "flannel", "tier": "node"},
                     spec=flannel_ds("sigwindowstools/flannel:v0.21.5-hostprocess",
                                     mounts=("/mounts/kube-flannel/", "/mounts/kube-flannel-windows/"),
                                     env_extra=[{"name": "KUBERNETES_SERVICE_HOST", "value": "10.0.0.10"},
                                                {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"}]),
                     desired=1, current=0, pods=[],
                     ds_events=[dict(reason="FailedCreate", count=15, message=(
                         'Error creating: pods "%s-%s" is forbidden: violates PodSecurity "baseline:latest": '
                         'host namespaces (hostNetwork=true), hostProcess (pod must not set '
                         'securityContext.windowsOptions.hostProcess=true)') % (name, suffix("27", "psa")))]))


# ---------------------------------------------------------------------------------------------- 28
@case(id="28-aks2717-missing-serviceaccount", left_out="the DaemonSet is not HostProcess (csi-proxy ran as a host service then); doctor diagnoses HostProcess workloads, and HP022 is unit-tested with this message", source="https://github.com/Azure/AKS/issues/2717",
      project="Azure/AKS",
      title="csi-azurefile-node-win DaemonSet creates no pods on an RBAC-disabled cluster: serviceaccount \"csi-azurefile-node-sa\" not found",
      verbatim="the FailedCreate event from daemonset-controller, x17 ('Error creating: pods \"csi-azurefile-node-win-\" is forbidden: error looking up service account kube-system/csi-azurefile-node-sa: serviceaccount \"csi-azurefile-node-sa\" not found'); the DaemonSet line with DESIRED/CURRENT/READY/UP-TO-DATE/AVAILABLE all 0 and node selector kubernetes.io/os=windows",
      filled="directory form of the dump; the DaemonSet's pod template (AKS azurefile CSI node plugin for Windows of that time: liveness-probe, node-driver-registrar, azurefile containers; not HostProcess, csi-proxy ran as a host service) and images; AKS node facts (Windows Server 2019, kubelet v1.21.7, docker 20.10.9); uids, timestamps",
      form="directory", expect={"object": "DaemonSet/kube-system/csi-azurefile-node-win", "rule": "HP022", "signature": None},
      t0="2022-01-06T12:00:00Z")
def _(cl):
    base(cl, "v1.21.7", "containerd://1.4.9+azure")
    cl.add_node(win_node(cl.c, "akswin000000", "10.240.0.97", WS2019, "2366", "v1.21.7", "docker://20.10.9",
                         extra_labels={"kubernetes.azure.com/os-sku": "Windows2019"}))
    mcr = "mcr.microsoft.com/oss/kubernetes-csi/"
    spec = {"volumes": [{"name": "plugin-dir", "hostPath": {"path": "C:\\var\\lib\\kubelet\\plugins\\file.csi.azure.com\\", "type": "DirectoryOrCreate"}},
                        {"name": "csi-proxy-fs-pipe-v1", "hostPath": {"path": "\\\\.\\pipe\\csi-proxy-filesystem-v1", "type": ""}},
                        {"name": "csi-proxy-smb-pipe-v1", "hostPath": {"path": "\\\\.\\pipe\\csi-proxy-smb-v1", "type": ""}}],
            "containers": [
                {"name": "liveness-probe", "image": mcr + "livenessprobe:v2.5.0",
                 "args": ["--csi-address=$(CSI_ENDPOINT)", "--probe-timeout=3s", "--health-port=29613", "--v=2"],
                 "env": [{"name": "CSI_ENDPOINT", "value": "unix://C:\\\\var\\\\lib\\\\kubelet\\\\plugins\\\\file.csi.azure.com\\\\csi.sock"}],
                 "volumeMounts": [{"name": "plugin-dir", "mountPath": "C:\\csi"}]},
                {"name": "node-driver-registrar", "image": mcr + "csi-node-driver-registrar:v2.4.0",
                 "args": ["--v=2", "--csi-address=$(CSI_ENDPOINT)", "--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)"],
                 "env": [{"name": "CSI_ENDPOINT", "value": "unix://C:\\\\csi\\\\csi.sock"},
                         {"name": "DRIVER_REG_SOCK_PATH", "value": "C:\\\\var\\\\lib\\\\kubelet\\\\plugins\\\\file.csi.azure.com\\\\csi.sock"}],
                 "volumeMounts": [{"name": "plugin-dir", "mountPath": "C:\\csi"}]},
                {"name": "azurefile", "image": mcr + "azurefile-csi:v1.9.0",
                 "args": ["--v=5", "--endpoint=$(CSI_ENDPOINT)", "--nodeid=$(KUBE_NODE_NAME)", "--metrics-address=0.0.0.0:29615"],
                 "env": [{"name": "CSI_ENDPOINT", "value": "unix://C:\\\\csi\\\\csi.sock"},
                         {"name": "KUBE_NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                 "volumeMounts": [{"name": "plugin-dir", "mountPath": "C:\\csi"},
                                  {"name": "csi-proxy-fs-pipe-v1", "mountPath": "\\\\.\\pipe\\csi-proxy-filesystem-v1"},
                                  {"name": "csi-proxy-smb-pipe-v1", "mountPath": "\\\\.\\pipe\\csi-proxy-smb-v1"}]}],
            "nodeSelector": {"kubernetes.io/os": "windows"}, "serviceAccountName": "csi-azurefile-node-sa",
            "priorityClassName": "system-node-critical",
            "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}]}
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="csi-azurefile-node-win", labels={"app": "csi-azurefile-node-win"},
                     ds_labels={"addonmanager.kubernetes.io/mode": "Reconcile"}, spec=spec, desired=0, current=0, pods=[],
                     ds_events=[dict(reason="FailedCreate", count=17, message=(
                         'Error creating: pods "csi-azurefile-node-win-" is forbidden: error looking up service account '
                         'kube-system/csi-azurefile-node-sa: serviceaccount "csi-azurefile-node-sa" not found'))]))


# ---------------------------------------------------------------------------------------------- 29
@case(id="29-antrea2774-containerd-1.5-nightly", source="https://github.com/antrea-io/antrea/issues/2774",
      project="antrea-io/antrea",
      title="K8s 1.22 alpha HostProcess on a nightly containerd: an ordinary pod fails with hcs::CreateComputeSystem ... The directory name is invalid",
      verbatim="the error of the ordinary pod ping-test2 ('Error: failed to create containerd task: failed to create shim: hcs::CreateComputeSystem ping-test2: The directory name is invalid.: unknown'); Kubernetes 1.22 with the WindowsHostProcessContainers gate on apiserver and kubelet; a nightly containerd; HostProcess pods running on the same node",
      filled="the containerd version string: the report says 'nightly build' without a number; a September 2021 build of containerd main describes itself as 1.5.0-beta.4-<n>-g<hash> (filled as containerd://1.5.0-beta.4-450-g2eb8ba4ad: pre-1.6, the alpha-era runtime line the rules treat as unsupported); the HostProcess pod is the antrea kube-proxy-windows DaemonSet (fixture 07 shape) Running with an empty log; ping-test2's image, restart count 4, exit code 128; node name, Windows Server 2019, uids, timestamps",
      form="stream", expect={"object": "Pod/kube-system/kube-proxy-windows-gq2jd", "rule": "HP010", "signature": None},
      t0="2021-09-14T03:00:00Z")
def _(cl):
    base(cl, "v1.22.1", "containerd://1.5.5")
    rt = "containerd://1.5.0-beta.4-450-g2eb8ba4ad"
    cl.add_node(win_node(cl.c, "win-antrea-1", "10.176.27.31", WS2019, "2114", "v1.22.1", rt))
    spec = kube_proxy_ds("antrea/kube-proxy-windows:v1.22.1", env=[{"name": "KUBE_NETWORK", "value": "antrea-hnsnetwork"}])
    cl.workload(dict(kind="DaemonSet", ns="kube-system", name="kube-proxy-windows",
                     labels={"k8s-app": "kube-proxy-windows"}, ds_labels={"k8s-app": "kube-proxy"}, spec=spec,
                     pods=[ds_pod("kube-proxy-windows-gq2jd", "win-antrea-1", {"kube-proxy": dict(s="running", log="")},
                                  ready=True)]))
    err = "failed to create containerd task: failed to create shim: hcs::CreateComputeSystem ping-test2: The directory name is invalid.: unknown"
    cl.workload(dict(kind="Pod", ns="default", name="ping-test2", labels={"app": "ping-test2"},
                     spec={"containers": [{"name": "ping-test2", "image": "mcr.microsoft.com/windows/servercore:1809",
                                           "command": ["ping", "-t", "127.0.0.1"]}],
                           "nodeSelector": {"kubernetes.io/os": "windows"}},
                     pods=[dict(name="ping-test2", node="win-antrea-1", pod_ip="10.10.1.5",
                                states={"ping-test2": dict(s="starterror", restarts=4, message=err, log="")},
                                events=[dict(reason="Failed", message="Error: " + err, count=5, container="ping-test2")])]))


# ---------------------------------------------------------------------------------------------- 30
@case(id="30-hcsshim1699-bind-target-job-object", source="https://github.com/microsoft/hcsshim/issues/1699",
      project="microsoft/hcsshim",
      title="containerd 1.7.0 regression: HostProcess pod cannot mount a filesystem volume: failed to bind target ... for job object",
      verbatim="the pod event 'Error: failed to create containerd task: failed to create shim task: failed to bind target \"\\\\\\\\?\\\\Volume{473e53c8-c55d-11ed-9601-ba2be9735a86}\\\\\" to root \"C:\\\\UnrealEngine\" for job object: Do not attach the filter to the volume at this time.: unknown'; containerd 1.7.0; HostProcess build-agent pods with a WinFsp-backed volume at C:\\UnrealEngine",
      filled="namespace, DaemonSet and pod names, image, the hostPath (a WinFsp drive letter U:\\) mounted at C:\\UnrealEngine, the termination message (the event text without 'Error: '), exit code 128, restart count 6, event count; node facts besides containerd (Windows Server 2022, kubelet v1.26.2); uids, timestamps",
      form="stream", expect={"object": "Pod/unreal-build/build-agent-windows-xk9tb", "rule": "HP013", "signature": "bind-target-job-object"},
      t0="2023-03-18T01:00:00Z")
def _(cl):
    base(cl, "v1.26.2")
    cl.add_node(win_node(cl.c, "build-win-03", "10.50.0.13", WS2022, "1607", "v1.26.2", "containerd://1.7.0"))
    err = ('failed to create containerd task: failed to create shim task: failed to bind target '
           '"\\\\\\\\?\\\\Volume{473e53c8-c55d-11ed-9601-ba2be9735a86}\\\\" to root "C:\\\\UnrealEngine" for job object: '
           'Do not attach the filter to the volume at this time.: unknown')
    spec = hp_pod([{"name": "agent", "image": "registry.example.internal/uet/build-agent:5.1",
                    "volumeMounts": [{"name": "unreal-engine", "mountPath": "C:\\UnrealEngine"}]}],
                  volumes=[{"name": "unreal-engine", "hostPath": {"path": "U:\\", "type": "Directory"}}], user=SYSTEM_UC)
    cl.workload(dict(kind="DaemonSet", ns="unreal-build", name="build-agent-windows", labels={"app": "build-agent-windows"},
                     spec=spec,
                     pods=[ds_pod("build-agent-windows-xk9tb", "build-win-03", {"agent": dict(
                         s="starterror", restarts=6, message=err, log="")},
                         events=[dict(reason="Failed", message="Error: " + err, count=7, container="agent")])]))


# ---------------------------------------------------------------------------------------------- 31
@case(id="31-buildkit4826-bind-filter-access-denied", left_out="buildkitd keeps running and ready (only a build request fails), so no container is failing and, as live, its log is not read", source="https://github.com/moby/buildkit/issues/4826",
      project="moby/buildkit (DaemonSet shape: moby/buildkit#6590)",
      title="buildkitd in a HostProcess pod on a German-language node: failed to bind target ...: Zugriff verweigert",
      verbatim="the buildkitd log line (time=\"2025-01-30T10:31:58+01:00\" level=error msg=\"/moby.buildkit.v1.frontend.LLBBridge/Solve returned error: ... failed to bind target \\\"C:\\\\\\\\ProgramData\\\\\\\\...\\\\\\\\13462\\\\\\\\Files\\\" to root \\\"C:\\\\\\\\Windows\\\\\\\\SystemTemp\\\\\\\\buildkit-mount1038987703\\\": Zugriff verweigert...); from #6590: DaemonSet buildkit/buildkitd-windows, pod-level hostProcess NT AUTHORITY\\SYSTEM, hostNetwork, Windows nodeSelector, the buildkitd.exe command line",
      filled="two cuts in the line: the layer in 'failed to set volume mount path for layer ...' (filled with the snapshot path of the same line) and the end after 'Zugriff verweigert' (closed with '.\"'); the image registry (registry.example.internal) and buildkitd version; the pod keeps Running (only the build fails), no restarts; German display language is not visible in node objects; Windows Server 2022, kubelet v1.31.4, containerd 1.7.22 (not stated); uids, timestamps",
      form="stream", expect={"object": "Pod/buildkit/buildkitd-windows-m4t8s", "rule": "HP013", "signature": "bind-filter-access-denied"},
      t0="2025-01-30T08:30:00Z")
def _(cl):
    base(cl, "v1.31.4")
    cl.add_node(win_node(cl.c, "winbuild01", "10.60.0.21", WS2022, "3091", "v1.31.4", "containerd://1.7.22"))
    snap = "C:\\\\ProgramData\\\\containerd\\\\root\\\\io.containerd.snapshotter.v1.windows\\\\snapshots\\\\13462"
    log = ('time="2025-01-30T10:31:58+01:00" level=error msg="/moby.buildkit.v1.frontend.LLBBridge/Solve returned error: '
           'rpc error: code = Unknown desc = failed to read dockerfile: failed to mount {windows-layer %s  [rw]}: '
           'failed to set volume mount path for layer %s: failed to bind target '
           '\\"C:\\\\\\\\ProgramData\\\\\\\\containerd\\\\\\\\root\\\\\\\\io.containerd.snapshotter.v1.windows\\\\\\\\snapshots\\\\\\\\13462\\\\\\\\Files\\" '
           'to root \\"C:\\\\\\\\Windows\\\\\\\\SystemTemp\\\\\\\\buildkit-mount1038987703\\": Zugriff verweigert."') % (snap, snap)
    spec = hp_pod([{"name": "buildkitd", "image": "registry.example.internal/buildkitd:windows-0.19.0-servercore-ltsc2022",
                    "command": ["$env:CONTAINER_SANDBOX_MOUNT_POINT/buildkit/buildkitd.exe", "--addr", "tcp://0.0.0.0:1234",
                                "--containerd-worker-namespace=k8s.io", "--root", "C:/buildkitd"]}], user=SYSTEM_UC)
    cl.workload(dict(kind="DaemonSet", ns="buildkit", name="buildkitd-windows", labels={"app": "buildkitd-windows"},
                     spec=spec, pods=[ds_pod("buildkitd-windows-m4t8s", "winbuild01",
                                             {"buildkitd": dict(s="running", log=log)}, ready=True)]))


# ==============================================================================================

def build(meta):
    counter = [int(hashlib.sha256(meta["id"].encode()).hexdigest()[:4], 16) * 10 + 100000]

    def rv():
        counter[0] += 7
        return counter[0]

    c = {"id": meta["id"], "t0": meta["t0"], "rv": rv}
    cl = Cluster(c)
    meta["build"](cl)
    return cl


def case_json(meta):
    return {
        "id": meta["id"],
        "source": meta["source"],
        "project": meta["project"],
        "title": meta["title"],
        "reconstructed": "Verbatim from the report: %s. Filled in: %s." % (meta["verbatim"].rstrip("."),
                                                                          meta["filled"].rstrip(".")),
        "form": meta["form"],
        "expect": meta["expect"],
    }


def main():
    ids = [m["id"] for m in CASES]
    assert len(ids) == len(set(ids)), "duplicate case id"
    for n, m in enumerate(CASES, 1):
        assert m["id"].startswith("%02d-" % n), m["id"]
    # Cases kept in the script with the reason they are not in the corpus.
    ids = [m["id"] for m in CASES if "left_out" not in m]
    for name in sorted(os.listdir(HERE)):
        path = os.path.join(HERE, name)
        if os.path.isdir(path) and name[:2].isdigit() and name[2:3] == "-" and name not in ids:
            shutil.rmtree(path)   # a case that was removed or renamed
    for m in (m for m in CASES if "left_out" not in m):
        d = os.path.join(HERE, m["id"])
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
        build(m).write(d, m["form"])
        with open(os.path.join(d, "case.json"), "w", newline="", encoding="utf-8") as f:
            f.write(json.dumps(case_json(m), indent=2, ensure_ascii=False) + "\n")
    print("wrote %d cases to %s" % (len(ids), HERE), file=sys.stderr)


if __name__ == "__main__":
    main()

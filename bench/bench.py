#!/usr/bin/env python3
"""`make bench`: scale benchmarks of kubectl-hostprocess against a local control plane.

Builds nothing itself (the Makefile runs `cargo build --release` first). Starts its OWN testenv
plane (state /tmp/kubectl-hostprocess-bench, ports apart from the default testenv, so a running
`make testenv-up` cluster is neither reused nor disturbed), fills it at 1/10 of the size, measures,
grows it to the full size, measures again, and tears it down. Results: target/bench/results.json,
a table on stdout, logs and raw outputs in target/bench/.

Environment: BENCH_NODES (2000), BENCH_PODS (20000), BENCH_FANOUT_NODES (500), BENCH_SERIAL_NODES
(20), BENCH_REPEAT (5 timed runs, the median is kept), BENCH_POPEYE (1; 0 skips popeye),
BENCH_KEEP (0; 1 leaves the plane running), BENCH_STATE, BENCH_APISERVER_PORT (26443).
"""

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import kapi  # noqa: E402
import manifests  # noqa: E402
import populate  # noqa: E402

OUT = os.path.join(ROOT, "target", "bench")
BUILT = os.path.join(ROOT, "target", "release", "kubectl-hostprocess")
# Measured from a private copy: target/release is shared, and a rebuild in the middle of a run
# would otherwise mix two binaries in one set of figures.
BIN = os.path.join(OUT, "kubectl-hostprocess")


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


NODES = env_int("BENCH_NODES", 2000)
PODS = env_int("BENCH_PODS", 20000)
FANOUT = env_int("BENCH_FANOUT_NODES", 500)
SERIAL = env_int("BENCH_SERIAL_NODES", 20)
REPEAT = max(1, env_int("BENCH_REPEAT", 5))
WANT_POPEYE = os.environ.get("BENCH_POPEYE", "1") != "0"
KEEP = os.environ.get("BENCH_KEEP", "0") == "1"
STATE = os.environ.get("BENCH_STATE", "/tmp/kubectl-hostprocess-bench")
PORT = env_int("BENCH_APISERVER_PORT", 26443)
PLANE_ENV = {
    "TESTENV_STATE": STATE,
    "APISERVER_PORT": str(PORT),
    "ETCD_PORT": str(env_int("BENCH_ETCD_PORT", 33790)),
    "ETCD_PEER_PORT": str(env_int("BENCH_ETCD_PEER_PORT", 33800)),
    "KWOK_PORT": str(env_int("BENCH_KWOK_PORT", 20250)),
    "KCM_PORT": str(env_int("BENCH_KCM_PORT", 20257)),
    "SCHED_PORT": str(env_int("BENCH_SCHED_PORT", 20259)),
    "KUBECONFIG": f"{STATE}/admin.kubeconfig",
}
ENV = dict(os.environ, **PLANE_ENV)
ENV.pop("KUBECTL_HOSTPROCESS_LOG", None)
ENV["NO_COLOR"] = "1"
KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
EXEC_NS = "bench-exec"

TARGETS = {  # key: (comparison, limit, text)
    "doctor_floor_ratio": ("le", 1.5, "<= 1.5x floor"),
    "doctor_api_requests": ("le", 8, "<= 8"),
    "doctor_api_requests_small": ("le", 8, "<= 8"),
    "doctor_log_requests": ("le", 20, "<= --max-logs (20)"),
    "doctor_peak_rss_mb_per_1k_pods": ("le", 25, "<= 25 MB"),
    "fanout_vs_one_node_ratio": ("le", 5, "<= 5x"),
    "fanout_vs_serial_speedup": ("ge", 50, ">= 50x"),
    "lint_1000_ms": ("lt", 200, "< 200 ms"),
    "help_ms": ("lt", 5, "< 5 ms"),
}

T0 = time.time()


def log(msg):
    print(f"bench [{time.time() - T0:6.0f}s] {msg}", file=sys.stderr, flush=True)


def out_path(name):
    return os.path.join(OUT, name)


# ---- processes --------------------------------------------------------------------------------

def measure(argv, stdout=None, stderr=None, env=None, timeout=900, rss_cap_mb=None, why=None):
    """Run argv; return (exit code, wall seconds, peak RSS MB of that process, start time).
    With rss_cap_mb, the process is killed once its RSS passes the cap (why["killed"] says so);
    why["cpu_s"] gets the process's user+system CPU time. Runs through bench/run1.py (see there
    why: a child's peak RSS would otherwise start at this driver's)."""
    spec = {"argv": list(argv), "stdout": stdout, "stderr": stderr, "timeout": timeout, "rss_cap_mb": rss_cap_mb}
    r = subprocess.run([sys.executable, "-I", "-S", os.path.join(HERE, "run1.py"), json.dumps(spec)],
                       stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env or ENV, check=True)
    res = json.loads(r.stdout)
    if why is not None:
        why["cpu_s"] = res["cpu_s"]
        if res["killed"]:
            why["killed"] = res["killed"]
    return res["rc"], res["wall"], res["maxrss_mb"], res["start"]


def spawn_ms(argv, runs):
    """Median wall time in ms of argv (stdout/stderr to /dev/null), via posix_spawn + waitpid."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    times = []
    try:
        for _ in range(runs):
            t = time.perf_counter()
            pid = os.posix_spawn(argv[0], argv, ENV, file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
            os.waitpid(pid, 0)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(devnull)
    return statistics.median(times), times


def sh(argv, env=None, check=True, capture=True, timeout=1800):
    r = subprocess.run(argv, env=env or ENV, stdout=subprocess.PIPE if capture else None,
                       stderr=None, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {r.returncode}")
    return r.stdout if capture else ""


def timed(fn, *a, **kw):
    t = time.perf_counter()
    r = fn(*a, **kw)
    return r, round(time.perf_counter() - t, 1)


def plane_pid(component):
    """pid of a component of the bench plane, from its pid file, if it still runs that binary
    with the bench plane's kubeconfig (guards against pid reuse)."""
    try:
        pid = int(open(f"{STATE}/{component}.pid").read().strip())
        argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
    except (OSError, ValueError):
        return None
    ok = argv[0].decode().endswith("/" + component) and any(STATE.encode() in a for a in argv[1:])
    return pid if ok else None


class Frozen:
    """SIGSTOP the bench plane's kwok, scheduler and controller-manager (pids from the pid files),
    so that apiserver_request_total moves only for the command being counted; SIGCONT on exit."""

    COMPONENTS = ("kwok", "kube-scheduler", "kube-controller-manager")

    def __enter__(self):
        self.pids = [p for p in (plane_pid(c) for c in self.COMPONENTS) if p]
        for p in self.pids:
            os.kill(p, signal.SIGSTOP)
        time.sleep(1.5)  # let their in-flight requests finish
        return self

    def __exit__(self, *exc):
        for p in self.pids:
            try:
                os.kill(p, signal.SIGCONT)
            except OSError:
                pass


# ---- the plane --------------------------------------------------------------------------------

def plane_up():
    log(f"starting the bench plane (state {STATE}, apiserver :{PORT})")
    sh(["bash", f"{ROOT}/testenv/down.sh"], capture=False)
    out = sh(["bash", f"{ROOT}/testenv/up.sh"])
    last = out.strip().splitlines()[-1]
    assert last == f"export KUBECONFIG={STATE}/admin.kubeconfig", last
    api = kapi.Api.from_state(STATE, PORT)
    # The scenario DaemonSet sc-healthy runs on every Windows node without a scenario label; keep
    # it on the default nodes, or kube-controller-manager (20 QPS) would create one pod per bench node.
    api.json_patch("/apis/apps/v1/namespaces/sc-healthy/daemonsets/hp-healthy", [{
        "op": "add",
        "path": "/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/-",
        "value": {"key": "testenv.local/node-set", "operator": "In", "values": ["default"]},
    }])
    populate.ensure_namespace(api, EXEC_NS)
    return api


def add_nodes(count, prefix):
    if count > 0:
        sh(["bash", f"{ROOT}/testenv/nodes.sh", str(count), "--prefix", prefix], capture=False)
    return [f"{prefix}-{i:05d}" for i in range(1, count + 1)]


def cluster_size(api):
    meta = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    sizes = {}
    for kind, path, q in [("nodes", "/api/v1/nodes", ""), ("pods", "/api/v1/pods", ""),
                          ("events", "/api/v1/events", ""),
                          ("warning_events", "/api/v1/events", "fieldSelector=type%3DWarning")]:
        n, cont = 0, ""
        while True:
            qs = "limit=5000" + (f"&{q}" if q else "") + (f"&continue={cont}" if cont else "")
            _, body = api.raw("GET", f"{path}?{qs}", accept=meta)
            d = json.loads(body)
            n += len(d.get("items") or [])
            cont = urllib.parse.quote((d.get("metadata") or {}).get("continue") or "", safe="")
            if not cont:
                break
        sizes[kind] = n
    return sizes


# ---- doctor -----------------------------------------------------------------------------------

def doctor_argv(verbose="", logs=False):
    """doctor -A; without `logs`, --max-logs 0: the LIST-only run the floor replays."""
    return [BIN] + ([verbose] if verbose else []) + ["doctor", "-A", "-o", "json"] + ([] if logs else ["--max-logs", "0"])


def run_floor(tag, requests):
    """Replay doctor's requests (from its -vv log) with curl; per-URL pages, bytes and time."""
    p = f"{STATE}/pki"
    with open(out_path(f"floor-{tag}.requests"), "w") as f:
        f.writelines(f"{rnd} {url}\n" for rnd, url in requests)
    with open(out_path(f"floor-{tag}.requests")) as stdin:
        r = subprocess.run(["bash", f"{HERE}/floor.sh", f"{p}/ca.crt", f"{p}/admin.crt", f"{p}/admin.key",
                            out_path(f"floor-{tag}")], stdin=stdin, stdout=subprocess.PIPE, text=True, env=ENV)
    if r.returncode != 0:
        raise RuntimeError("floor.sh failed")
    kinds = {}
    for line in r.stdout.split("\n"):
        if line.strip():
            path, pages, nbytes, ms = line.split()
            kinds[path] = {"pages": int(pages), "bytes": int(nbytes), "seconds": int(ms[:-2]) / 1000}
    return kinds


def count_requests(api, argv, tag, resources=None):
    """API requests argv makes, from the apiserver's apiserver_request_total, scraped before and
    after with the plane's other clients (kwok, scheduler, controller-manager) frozen.

    What remains is the apiserver's own loopback traffic (lease renewals, endpoint reconciling,
    OpenAPI) and watches of the frozen clients that time out: so the count is the increase over
    the LIST and GET series of the resources argv requested (doctor's come from its -vv log, where
    every request is a GET). The whole increase, per verb and resource, is kept in results.json.
    Neither GET /metrics nor GET /version is counted by kube-apiserver 1.36."""
    with Frozen():
        m1 = api.metrics()
        rc, wall, _, _ = measure(argv, stdout=out_path(f"{tag}.out"), stderr=out_path(f"{tag}.err"))
        m2 = api.metrics()
    delta = kapi.metrics_delta(m1, m2)
    by = {}
    counted = 0
    for k, v in delta.items():
        verb = kapi.label_of(k, "verb")
        res = kapi.label_of(k, "resource") or kapi.label_of(k, "subresource")
        by[f"{verb} {res}"] = by.get(f"{verb} {res}", 0) + int(v)
        if verb in ("LIST", "GET") and (resources is None or res in resources):
            counted += int(v)
    self_count = None
    m = re.search(r"made (\d+) API requests", open(out_path(f"{tag}.err"), errors="replace").read())
    if m:
        self_count = int(m.group(1))
    return {
        "requests": counted, "all_series_delta": int(sum(delta.values())),
        "by_verb_resource": dict(sorted(by.items())), "self_reported": self_count, "exit_code": rc,
        "seconds": round(wall, 3),
    }


LOG_RE = re.compile(r"^(\S+)Z DEBUG HTTP\{http\.method=GET http\.url=(\S+) .*?\}: (requesting|stream closed)")


def parse_vv(path, start):
    """From a `-vv` log: (timeline, floor requests).

    timeline, per resource: pages, server+transfer time (request sent -> body received), the decode
    gap before the next page of the same kind, and when the last page arrived (from process start).
    floor requests: (round, url) of every first page; a request that starts after a response of the
    current round arrived opens the next round (doctor lists some kinds only after the first round)."""
    import datetime
    reqs, order = {}, []
    for line in open(path, errors="replace"):
        m = LOG_RE.match(line)
        if not m:
            continue
        ts = datetime.datetime.strptime(m.group(1)[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        url = m.group(2)
        if m.group(3) == "requesting":
            reqs[url] = {"url": url, "start": ts}
            order.append(url)
        elif url in reqs:
            reqs[url]["end"] = ts
    kinds = {}
    for url in order:
        path_ = "/" + url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
        kinds.setdefault(path_, []).append(reqs[url])
    timeline = {}
    for kind, rs in kinds.items():
        server = sum(r.get("end", r["start"]) - r["start"] for r in rs)
        gaps = [rs[i + 1]["start"] - rs[i]["end"] for i in range(len(rs) - 1) if "end" in rs[i]]
        timeline[kind] = {"pages": len(rs), "first_request_s": round(rs[0]["start"] - start, 3),
                          "server_transfer_s": round(server, 3), "decode_between_pages_s": round(sum(gaps), 3),
                          "last_page_s": round(max(r.get("end", 0) for r in rs) - start, 3)}
    floor, rnd, round_end = [], 1, None
    for url in order:
        if "continue=" in url:
            continue
        r = reqs[url]
        if round_end is not None and r["start"] >= round_end:
            rnd += 1
            round_end = None
        end = r.get("end", r["start"])
        round_end = end if round_end is None else min(round_end, end)
        floor.append((rnd, url))
    return timeline, floor


def doctor_suite(api, tag, repeat):
    """Time doctor and its floor (interleaved), count its requests, profile one -vv run."""
    log(f"doctor -A -o json ({tag}): warm-up, -vv timeline, request count, {repeat} timed run(s) + floor")
    measure(doctor_argv())  # warm-up: apiserver watch cache, page cache
    vv = out_path(f"doctor-{tag}-vv.log")
    _, wall, _, start = measure(doctor_argv("-vv"), stdout=os.devnull, stderr=vv)
    timeline, floor_requests = parse_vv(vv, start)
    timeline["_total_s"] = round(wall, 3)
    last = max((v["last_page_s"] for v in timeline.values() if isinstance(v, dict)), default=0)
    timeline["_after_last_response_s"] = round(wall - last, 3)  # decode of the last page, checks, output
    resources = {k.rstrip("/").split("/")[-1] for k in timeline if k.startswith("/")}
    counted = count_requests(api, doctor_argv("-v"), f"doctor-{tag}-count", resources)
    runs, floors = [], []
    # Timed with the plane's other clients paused: on this one machine kwok's heartbeats and the
    # controller-manager's retries share the 2 cores with doctor and its floor (load average 6-7
    # when they run), which a client of a real cluster does not.
    with Frozen():
        for _ in range(repeat):
            info = {}
            rc, wall, rss, _ = measure(doctor_argv(), stdout=out_path(f"doctor-{tag}.json"), why=info)
            runs.append({"exit_code": rc, "seconds": round(wall, 3), "cpu_s": info.get("cpu_s"),
                         "peak_rss_mb": round(rss, 1), "loadavg": round(os.getloadavg()[0], 2)})
            t = time.perf_counter()
            kinds = run_floor(tag, floor_requests)
            floors.append({"seconds": round(time.perf_counter() - t, 3), "requests": kinds})
    report = json.load(open(out_path(f"doctor-{tag}.json")))
    rules = {}
    for f in report.get("findings", []):
        rules[f["rule"]] = rules.get(f["rule"], 0) + 1
    res = {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "runs": runs, "requests": counted, "vv_timeline": timeline,
        "findings_by_rule": dict(sorted(rules.items())), "summary": report.get("summary"),
        "floor_seconds": statistics.median(f["seconds"] for f in floors), "floor_runs": floors,
    }
    res["floor_ratio"] = round(res["seconds"] / res["floor_seconds"], 2)
    res["logs"] = logs_suite(tag, repeat)
    return res


def logs_suite(tag, repeat):
    """doctor with its default --max-logs against --max-logs 0, with kwok running (it serves the
    logs): wall time of each, and the log requests doctor made (its own -v count)."""
    log(f"doctor with and without container logs ({tag}), {repeat} run(s) each")
    with_logs, without = [], []
    for _ in range(repeat):
        with_logs.append(measure(doctor_argv(logs=True), stdout=os.devnull)[1])
        without.append(measure(doctor_argv(), stdout=os.devnull)[1])
    counts = {}
    for name, logs in (("with_logs", True), ("without_logs", False)):
        err = out_path(f"doctor-{tag}-{name}.err")
        measure(doctor_argv("-v", logs=logs), stdout=os.devnull, stderr=err)
        text = open(err, errors="replace").read()
        m = re.search(r"made (\d+) API requests", text)
        counts[name] = int(m.group(1)) if m else None
        n = re.search(r"note: read the logs of (\d+)(?: of (\d+))? failing", text)
        if logs and n:
            counts["logs_read"] = int(n.group(1))
            counts["failing_containers"] = int(n.group(2) or n.group(1))
    with_s, without_s = statistics.median(with_logs), statistics.median(without)
    return {"seconds_with_logs": round(with_s, 3), "seconds_without_logs": round(without_s, 3),
            "log_requests": (counts["with_logs"] - counts["without_logs"])
            if None not in (counts.get("with_logs"), counts.get("without_logs")) else None,
            **counts}


def popeye_suite(tag):
    if not WANT_POPEYE:
        return {"skipped": "BENCH_POPEYE=0"}
    r = subprocess.run(["bash", f"{HERE}/popeye.sh"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=ENV)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["build failed"])[-1]}
    binp = r.stdout.strip().splitlines()[-1]
    log(f"popeye -A -o json ({tag})")
    # popeye's own default request timeout cuts LISTs of a big cluster short on a loaded machine;
    # a guard kills it above BENCH_POPEYE_RSS_MB (one run here grew past 15 GB).
    argv = [binp, "-A", "-o", "json", "--kubeconfig", f"{STATE}/admin.kubeconfig", "--force-exit-zero",
            "--request-timeout", "5m", "--logs", out_path(f"popeye-{tag}.log")]
    why = {}
    rc, wall, rss, _ = measure(argv, stdout=out_path(f"popeye-{tag}.json"), stderr=out_path(f"popeye-{tag}.err"), timeout=900,
                               rss_cap_mb=env_int("BENCH_POPEYE_RSS_MB", 8000), why=why)
    res = {"binary": binp, "version": os.path.basename(binp).replace("popeye-", ""), "exit_code": rc,
           "seconds": round(wall, 3), "peak_rss_mb": round(rss, 1),
           "client_errors": sum(1 for line in open(out_path(f"popeye-{tag}.err"), errors="replace") if line.startswith("E"))}
    if why.get("killed"):
        res["error"] = f"killed: {why['killed']}"
        return res
    # popeye fixes its client timeout at 30 s (internal/client: restConfig.Timeout, whatever
    # --request-timeout says); a LIST that takes longer is dropped and its section comes out empty.
    try:
        sections = json.load(open(out_path(f"popeye-{tag}.json")))["popeye"]["sections"]
        res["empty_sections"] = sorted(
            x["linter"] for x in sections
            if x["linter"] in ("pods", "nodes", "namespaces", "daemonsets")
            and not any(x["tally"].get(k) for k in ("ok", "info", "warning", "error")))
    except (OSError, ValueError, KeyError, TypeError):
        res["empty_sections"] = ["(no report)"]
    res["complete"] = not res["empty_sections"]
    return res


# ---- exec -------------------------------------------------------------------------------------

def kwok_floor(fan_nodes):
    api = kapi.Api.from_state(STATE, PORT)

    def pod(i, node):
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"kwok-floor-{i}", "namespace": EXEC_NS, "labels": {"bench.local/kwok-floor": "1"}},
                "spec": {"nodeName": node, "hostNetwork": True, "os": {"name": "windows"},
                         "tolerations": [{"operator": "Exists"}],
                         "securityContext": {"windowsOptions": {"hostProcess": True,
                                                                "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
                         "containers": [{"name": "hostprocess", "image": populate.IMAGE}]}}
    import concurrent.futures as cf
    t = time.perf_counter()
    with cf.ThreadPoolExecutor(32) as ex:
        list(ex.map(lambda a: api.post(f"/api/v1/namespaces/{EXEC_NS}/pods", pod(*a)), enumerate(fan_nodes)))
    q = "labelSelector=bench.local%2Fkwok-floor%3D1&fieldSelector=status.phase%3DRunning"
    while len(api.list_all(f"/api/v1/namespaces/{EXEC_NS}/pods", query=q)) < len(fan_nodes):
        if time.perf_counter() - t > 600:
            raise RuntimeError("kwok floor: pods not Running after 600 s")
        time.sleep(0.1)
    took = time.perf_counter() - t
    with cf.ThreadPoolExecutor(32) as ex:
        list(ex.map(lambda i: api.call("DELETE", f"/api/v1/namespaces/{EXEC_NS}/pods/kwok-floor-{i}",
                                       {"gracePeriodSeconds": 0}, allow=(404,)), range(len(fan_nodes))))
    return round(took, 3)


def exec_suite(fan_nodes):
    res = {"fanout_nodes": len(fan_nodes)}
    log(f"exec on one node (x{REPEAT}), fan-out over {len(fan_nodes)} nodes, serial kubectl loop over {SERIAL}")
    one = []
    for i in range(-1, max(5, REPEAT)):  # one warm-up, then at least 5
        rc, wall, _, _ = measure([BIN, "exec", "-n", EXEC_NS, fan_nodes[(i + 1) % len(fan_nodes)], "--", "cmd", "/c", "echo", "hi"],
                                 stdout=out_path("exec-one.out"), stderr=out_path("exec-one.err"))
        if rc != 0:
            raise RuntimeError(f"exec on one node exited {rc}; see {out_path('exec-one.err')}")
        if i >= 0:
            one.append(round(wall, 3))
    res["one_node_s"] = statistics.median(one)
    res["one_node_runs"] = one
    argv = [BIN, "exec", "-n", EXEC_NS, "-l", "testenv.local/node-set=bf", "--yes", "--max-concurrency", "500",
            "-o", "json", "--", "cmd", "/c", "echo", "hi"]
    runs = []
    for _ in range(REPEAT):
        info = {}
        rc, wall, rss, _ = measure(argv, stdout=out_path("exec-fanout.json"), stderr=out_path("exec-fanout.err"),
                                   why=info)
        rep = json.load(open(out_path("exec-fanout.json")))
        durations = sorted(r["durationSeconds"] for r in rep["results"])
        runs.append({
            "seconds": round(wall, 3), "exit_code": rc, "cpu_s": info.get("cpu_s"), "peak_rss_mb": round(rss, 1),
            "succeeded": rep["succeeded"], "failed": rep["failed"],
            "node_seconds_p50": durations[len(durations) // 2], "node_seconds_max": durations[-1],
            "errors": sorted({r["error"] for r in rep["results"] if r.get("error")})[:5],
        })
    runs.sort(key=lambda x: x["seconds"])
    med = runs[len(runs) // 2]
    wall = med["seconds"]
    res.update({"fanout_s": wall, "fanout_cpu_s": med["cpu_s"], "fanout_succeeded": med["succeeded"],
                "fanout_failed": med["failed"], "fanout_runs": runs})
    # What the fake kubelet alone needs: the same number of pods, bound to the same nodes, created
    # by a bulk client and awaited Running. kwok patches pod status with 4 workers
    # (podPlayStageParallelism), where a real cluster has one kubelet per node.
    res["kwok_start_floor_s"] = kwok_floor(fan_nodes)
    # The serial way: kubectl run (bound to the node by --overrides) / wait / logs / delete.
    overrides = lambda node: json.dumps({"apiVersion": "v1", "spec": {  # noqa: E731
        "nodeName": node, "hostNetwork": True, "os": {"name": "windows"},
        "securityContext": {"windowsOptions": {"hostProcess": True, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
        "tolerations": [{"operator": "Exists"}]}})
    serial_nodes = fan_nodes[:SERIAL]
    t = time.perf_counter()
    for node in serial_nodes:
        pod = f"serial-{node}"
        k = [KUBECTL, "-n", EXEC_NS]
        sh(k + ["run", pod, f"--image={populate.IMAGE}", "--restart=Never", f"--overrides={overrides(node)}",
                "--", "cmd", "/c", "echo", "hi"])
        sh(k + ["wait", "--for=condition=Ready", f"pod/{pod}", "--timeout=120s"])
        sh(k + ["logs", pod])
        sh(k + ["delete", "pod", pod])
    serial = time.perf_counter() - t
    res["serial_nodes"] = len(serial_nodes)
    res["serial_s"] = round(serial, 3)
    res["serial_scaled_s"] = round(serial * len(fan_nodes) / len(serial_nodes), 1)
    res["fanout_vs_one_node_ratio"] = round(wall / res["one_node_s"], 2)
    res["fanout_vs_serial_speedup"] = round(res["serial_scaled_s"] / wall, 1)
    return res


# ---- offline ----------------------------------------------------------------------------------

def lint_suite():
    d = out_path("manifests")
    files, docs, nbytes = manifests.generate(d, 1000)
    argv = [BIN, "lint", "-f", d, "-R", "-o", "json"]
    measure(argv)  # warm-up (page cache)
    runs = []
    for _ in range(5):
        rc, wall, rss, _ = measure(argv, stdout=out_path("lint.json"))
        runs.append(round(wall * 1000, 1))
    summary = json.load(open(out_path("lint.json"))).get("summary")
    return {"files": files, "documents": docs, "bytes": nbytes, "ms": statistics.median(runs), "runs_ms": runs,
            "exit_code": rc, "peak_rss_mb": round(rss, 1), "summary": summary}


def help_suite():
    measure([BIN, "--help"])
    help_ms, runs = spawn_ms([BIN, "--help"], 20)
    true_ms, _ = spawn_ms(["/bin/true"], 20)
    return {"ms": round(help_ms, 2), "runs_ms": [round(x, 2) for x in runs], "spawn_true_ms": round(true_ms, 2)}


# ---- report -----------------------------------------------------------------------------------

def verdict(key, value):
    if key not in TARGETS or value is None:
        return "", ""
    op, limit, text = TARGETS[key]
    ok = {"le": value <= limit, "ge": value >= limit, "lt": value < limit}[op]
    return text, "ok" if ok else "MISSED"


def machine():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1]) // 1024
    except (OSError, StopIteration):
        mem = 0
    return {"nproc": os.cpu_count(), "memory_mb": mem, "cpu": cpu, "kernel": platform.release()}


def plugin_version():
    import hashlib
    def git(*a):
        r = subprocess.run(["git", "-C", ROOT, *a], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return r.stdout.strip()
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty_files": len(git("status", "--porcelain").splitlines()),
            "sha256": hashlib.sha256(open(BIN, "rb").read()).hexdigest()[:16]}


def table(r):
    rows = [
        ("cluster", f"{r['cluster']['nodes']} nodes, {r['cluster']['pods']} pods, "
                    f"{r['cluster']['events']} events ({r['cluster']['warning_events']} Warning)", "", ""),
        ("setup (plane + objects)", f"{r['setup_s']:.0f} s", "", ""),
        ("doctor -A -o json", f"{r['doctor_s']:.2f} s", "", ""),
        ("  floor (same LISTs, curl)", f"{r['doctor_floor_s']:.2f} s", "", ""),
        ("  doctor / floor", f"{r['doctor_floor_ratio']:.2f}x", *verdict("doctor_floor_ratio", r["doctor_floor_ratio"])),
        ("  API requests (apiserver metric)", f"{r['doctor_api_requests']} (own count {r['doctor_api_requests_self']})",
         *verdict("doctor_api_requests", r["doctor_api_requests"])),
        (f"  API requests at 1/10 ({r['small']['pods']} pods)",
         f"{r['doctor_api_requests_small']} (own count {r['small']['requests']['self_reported']})",
         *verdict("doctor_api_requests_small", r["doctor_api_requests_small"])),
        ("  checks + output after the last response",
         f"{r['doctor']['vv_timeline']['_after_last_response_s']:.2f} s of {r['doctor']['vv_timeline']['_total_s']:.2f} s (-vv run)", "", ""),
        ("  peak RSS", f"{r['doctor_peak_rss_mb']:.0f} MB", "", ""),
        ("  with logs (default --max-logs 20) / --max-logs 0",
         f"{r['doctor']['logs']['seconds_with_logs']:.2f} s / {r['doctor']['logs']['seconds_without_logs']:.2f} s", "", ""),
        ("  log requests (failing HostProcess containers)",
         f"{r['doctor']['logs']['log_requests']} ({r['doctor']['logs'].get('failing_containers')} failing)",
         *verdict("doctor_log_requests", r["doctor"]["logs"]["log_requests"] or 0)),
        ("  peak RSS per 1,000 pods", f"{r['doctor_peak_rss_mb_per_1k_pods']:.1f} MB",
         *verdict("doctor_peak_rss_mb_per_1k_pods", r["doctor_peak_rss_mb_per_1k_pods"])),
    ]
    for key, tag, pr in (("popeye_vs_doctor_ratio", "", r["popeye"]),
                         ("popeye_vs_doctor_ratio_small", " at 1/10", r["popeye_small"])):
        if r.get(key) is not None:
            note = "" if pr.get("complete") else f"; INCOMPLETE: empty {','.join(pr.get('empty_sections', []))}"
            rows.append((f"popeye -A / doctor{tag}", f"{r[key]:.1f}x ({pr['seconds']:.1f} s, "
                         f"{pr['peak_rss_mb']:.0f} MB{note})", "", ""))
        elif key == "popeye_vs_doctor_ratio" and r.get("popeye_vs_doctor_ratio_at_least") is not None:
            rows.append(("popeye -A / doctor", f">= {r['popeye_vs_doctor_ratio_at_least']:.1f}x "
                         f"({pr['error']} at {pr['seconds']:.0f} s)", "", ""))
        else:
            rows.append((f"popeye{tag}", f"no ratio: {pr.get('error') or pr.get('skipped')}", "", ""))
    e = r["exec"]
    rows += [
        (f"exec fan-out, {r['fanout_nodes']} nodes",
         f"{e['fanout_s']:.2f} s ({e['fanout_succeeded']} ok; plugin CPU {e['fanout_cpu_s']:.1f} s)", "", ""),
        ("  one node", f"{e['one_node_s']:.2f} s", "", ""),
        (f"  kwok alone: {r['fanout_nodes']} pods to Running", f"{e['kwok_start_floor_s']:.2f} s", "", ""),
        ("  fan-out / one node", f"{r['fanout_vs_one_node_ratio']:.2f}x",
         *verdict("fanout_vs_one_node_ratio", r["fanout_vs_one_node_ratio"])),
        (f"  serial kubectl loop, {e['serial_nodes']} nodes -> {r['fanout_nodes']}",
         f"{e['serial_s']:.1f} s -> {e['serial_scaled_s']:.0f} s", "", ""),
        ("  fan-out speed-up vs serial", f"{r['fanout_vs_serial_speedup']:.0f}x",
         *verdict("fanout_vs_serial_speedup", r["fanout_vs_serial_speedup"])),
        (f"lint {r['lint']['documents']} manifests ({r['lint']['files']} files)", f"{r['lint_1000_ms']:.0f} ms",
         *verdict("lint_1000_ms", r["lint_1000_ms"])),
        ("--help (median of 20)", f"{r['help_ms']:.1f} ms", *verdict("help_ms", r["help_ms"])),
    ]
    w0 = max(len(x[0]) for x in rows)
    w1 = max(len(x[1]) for x in rows)
    w2 = max(len(x[2]) for x in rows)
    lines = [f"{'measure':<{w0}}  {'result':<{w1}}  {'target':<{w2}}  status", "-" * (w0 + w1 + w2 + 14)]
    lines += [f"{a:<{w0}}  {b:<{w1}}  {c:<{w2}}  {d}".rstrip() for a, b, c, d in rows]
    return "\n".join(lines)


def main():
    os.makedirs(OUT, exist_ok=True)
    if not os.access(BUILT, os.X_OK):
        sys.exit(f"bench: {BUILT} is missing; run `cargo build --release` (make bench does)")
    shutil.copy2(BUILT, BIN)
    if NODES < 20 or PODS < 200:
        sys.exit("bench: BENCH_NODES >= 20 and BENCH_PODS >= 200, please")
    small_nodes, small_pods = NODES // 10, PODS // 10
    fan = min(FANOUT, NODES - small_nodes)
    psa_total = max(2, PODS // 2000)
    per_node = max(1, round(PODS / NODES))
    r = {"nodes": NODES, "pods": PODS, "machine": machine(), "plugin": plugin_version(),
         "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    setup = {}
    try:
        api, setup["plane_up_s"] = timed(plane_up)
        # ---- 1/10 of the size ----
        log(f"1/10 size: {small_nodes} nodes, {small_pods} pods")
        nodes_a, setup["nodes_small_s"] = timed(add_nodes, small_nodes, "bs")
        created, setup["pods_small_s"] = timed(populate.populate, api, 0, small_pods, nodes_a, per_node,
                                               0, max(1, psa_total // 10), log=log)
        setup["settle_small_s"] = populate.wait_settled(api, 600, log=log)
        small_sizes = cluster_size(api)
        small = doctor_suite(api, "small", REPEAT)
        small.update(small_sizes)
        r["popeye_small"] = popeye_suite("small")
        # ---- full size ----
        log(f"full size: {NODES} nodes, {PODS} pods")
        t = time.perf_counter()
        fan_nodes = add_nodes(fan, "bf")
        rest = add_nodes(NODES - small_nodes - fan, "bl")
        setup["nodes_full_s"] = round(time.perf_counter() - t, 1)
        created2, setup["pods_full_s"] = timed(populate.populate, api, small_pods, PODS - small_pods,
                                               fan_nodes + rest, per_node, max(1, psa_total // 10),
                                               psa_total - max(1, psa_total // 10), log=log)
        setup["settle_full_s"] = populate.wait_settled(api, 1200, log=log)
        setup["objects"] = {"small": created, "full": created2}
        sizes = cluster_size(api)
        r["setup"] = setup
        r["setup_s"] = round(sum(v for k, v in setup.items() if k.endswith("_s")), 1)
        r["cluster"] = sizes
        log(f"cluster: {sizes}; setup {r['setup_s']} s")
        full = doctor_suite(api, "full", REPEAT)
        # exec before popeye: popeye leaves the apiserver busy (and up to GBs of its caches to free).
        r["exec"] = exec_suite(fan_nodes)
        r["popeye"] = popeye_suite("full")
        log("lint and --help")
        r["lint"] = lint_suite()
        r["help"] = help_suite()
    finally:
        if KEEP:
            log(f"BENCH_KEEP=1: the bench plane keeps running (KUBECONFIG={STATE}/admin.kubeconfig); "
                f"stop it with: TESTENV_STATE={STATE} bash testenv/down.sh")
        else:
            log("tearing the bench plane down")
            subprocess.run(["bash", f"{ROOT}/testenv/down.sh"], env=ENV)
    r["doctor"] = full
    r["small"] = small
    r["doctor_s"] = full["seconds"]
    r["doctor_floor_s"] = full["floor_seconds"]
    r["doctor_floor_ratio"] = full["floor_ratio"]
    r["doctor_api_requests"] = full["requests"]["requests"]
    r["doctor_api_requests_small"] = small["requests"]["requests"]
    r["doctor_api_requests_self"] = full["requests"]["self_reported"]
    r["doctor_peak_rss_mb"] = full["peak_rss_mb"]
    r["doctor_peak_rss_mb_per_1k_pods"] = round(full["peak_rss_mb"] / (sizes["pods"] / 1000), 2)
    if r["popeye"].get("seconds") and not r["popeye"].get("error"):
        r["popeye_vs_doctor_ratio"] = round(r["popeye"]["seconds"] / full["seconds"], 1)
        r["popeye_complete"] = r["popeye"]["complete"]
    elif r["popeye"].get("seconds"):  # killed: it would have taken longer
        r["popeye_vs_doctor_ratio_at_least"] = round(r["popeye"]["seconds"] / full["seconds"], 1)
    if r["popeye_small"].get("seconds") and not r["popeye_small"].get("error"):
        r["popeye_vs_doctor_ratio_small"] = round(r["popeye_small"]["seconds"] / small["seconds"], 1)
    r["fanout_nodes"] = r["exec"]["fanout_nodes"]
    r["fanout_vs_one_node_ratio"] = r["exec"]["fanout_vs_one_node_ratio"]
    r["fanout_vs_serial_speedup"] = r["exec"]["fanout_vs_serial_speedup"]
    r["lint_1000_ms"] = r["lint"]["ms"]
    r["help_ms"] = r["help"]["ms"]
    r["targets"] = {k: {"target": TARGETS[k][2], "status": verdict(k, r.get(k))[1]} for k in TARGETS}
    r["total_s"] = round(time.time() - T0, 1)
    with open(out_path("results.json"), "w") as f:
        json.dump(r, f, indent=2)
    text = table(r)
    with open(out_path("results.txt"), "w") as f:
        f.write(text + "\n")
    print(text)
    print(f"\nresults: {out_path('results.json')} (total {r['total_s']:.0f} s)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`make bench`: scale benchmarks of kubectl-hostprocess against a local control plane.

Builds nothing itself (the Makefile runs `cargo build --release` first). Starts its OWN testenv
plane (state /tmp/kubectl-hostprocess-bench, ports apart from the default testenv, so a running
`make testenv-up` cluster is neither reused nor disturbed), fills it at 1/10 of the size, measures,
grows it to the full size, measures again, and tears it down. Results: target/bench/results.json,
a table on stdout, logs and raw outputs in target/bench/.

Environment: BENCH_NODES (2000), BENCH_PODS (20000), BENCH_LARGE_NODES / BENCH_LARGE_PODS (unset:
no third size; `make bench-envelope` sets 5000 / 150000), BENCH_FANOUT_NODES (500), BENCH_FANOUT_SMALL
(100: the second fan-out size for the per-node cost), BENCH_SERIAL_NODES (20), BENCH_XARGS (1; 0 skips
the xargs -P 16 alternative), BENCH_REPEAT (5 timed runs, the median is kept), BENCH_LARGE_LOG_RUNS
(1: doctor with and without logs at the large size, where one pair takes 2 min, instead of BENCH_REPEAT
pairs), BENCH_CHUNKS (500,1000,5000:
doctor's --chunk-size values tried at each size), BENCH_POPEYE (1), BENCH_K8SGPT (1), BENCH_KUBECTL (1)
(0 skips that peer), BENCH_PEER_TIMEOUT (900 s) and BENCH_PEER_RSS_MB (6000): a peer past either is
killed and recorded with how far it got, BENCH_POPULATE_PROCS (1: populate's client processes), BENCH_POPULATE_FREEZE (0; 1 pauses kwok,
scheduler and controller-manager while pods are created),
BENCH_LARGE_STEP (10000: the large size grows in
steps of this many pods and stops early when the memory left is below a peer's cap + doctor + 2 GB),
BENCH_KEEP (0; 1 leaves the plane running), BENCH_STATE, BENCH_APISERVER_PORT (26443).

results.json is also written after every phase, marked "partial" (which phase, seconds so far), so a run
that is cut short keeps what it measured; the last write, without "partial", is the whole run.

`python3 bench/bench.py --report [results.json]` runs nothing: it recomputes the summary, targets,
table, the README's Performance table (results.md) and plot of a finished run (default
target/bench/results.json), e.g. after a target changed.
"""

import contextlib
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
LARGE_NODES = env_int("BENCH_LARGE_NODES", 0)
LARGE_PODS = env_int("BENCH_LARGE_PODS", 0)
FANOUT = env_int("BENCH_FANOUT_NODES", 500)
FANOUT_SMALL = env_int("BENCH_FANOUT_SMALL", 100)
WANT_XARGS = os.environ.get("BENCH_XARGS", "1") != "0"
PAGE = 1000  # doctor's default --chunk-size (kube::collect::PAGE)
CHUNKS = [int(x) for x in os.environ.get("BENCH_CHUNKS", "500,1000,5000").split(",") if x.strip()]
WANT_K8SGPT = os.environ.get("BENCH_K8SGPT", "1") != "0"
WANT_KUBECTL = os.environ.get("BENCH_KUBECTL", "1") != "0"
PEER_TIMEOUT = env_int("BENCH_PEER_TIMEOUT", 900)
PEER_RSS_MB = env_int("BENCH_PEER_RSS_MB", 6000)
SERIAL = env_int("BENCH_SERIAL_NODES", 20)
REPEAT = max(1, env_int("BENCH_REPEAT", 5))
LARGE_LOG_RUNS = max(1, env_int("BENCH_LARGE_LOG_RUNS", 1))
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

TARGETS = {  # key: (comparison, limit, text); issue #15's goals
    "doctor_floor_ratio": ("le", 1.3, "<= 1.3x floor"),
    "doctor_floor_ratio_large": ("le", 1.3, "<= 1.3x floor"),
    "doctor_peak_rss_mb": ("le", 120, "<= 120 MB"),
    "doctor_peak_rss_mb_large": ("le", 120, "<= 120 MB"),
    # No request per object: doctor's LISTs and GETs, less one per page of each kind it lists.
    # (Before paging by 1,000 this was `doctor_api_requests <= 8`, one LIST per kind.)
    "doctor_api_requests_over_pages": ("le", 0, "0 (one per page)"),
    "doctor_api_requests_over_pages_large": ("le", 0, "0 (one per page)"),
    "doctor_log_requests": ("le", 20, "<= --max-logs (20)"),
    "kubectl_get_vs_doctor": ("ge", 3, ">= 3x"),
    "popeye_vs_doctor": ("ge", 10, ">= 10x"),
    "k8sgpt_vs_doctor": ("ge", 10, ">= 10x"),
    "fanout_vs_xargs_speedup": ("ge", 5, ">= 5x"),
    "fanout_api_requests_per_node": ("le", 4, "<= 4 (+ a constant)"),
    "fanout_cpu_ms_per_node": ("le", 4, "<= 4 ms"),
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
    # kwok's binary is kwok-p<patch hash> (testenv/lib.sh): match the name up to a "-p" suffix.
    base = os.path.basename(argv[0].decode())
    ok = (base == component or re.fullmatch(re.escape(component) + r"-p[0-9a-f]+", base) is not None) \
        and any(STATE.encode() in a for a in argv[1:])
    return pid if ok else None


class Frozen:
    """SIGSTOP the bench plane's kwok, scheduler and controller-manager (pids from the pid files),
    so that apiserver_request_total moves only for the command being counted; SIGCONT on exit."""

    COMPONENTS = ("kwok", "kube-scheduler", "kube-controller-manager")

    def __init__(self, components=COMPONENTS):
        self.components = components

    def __enter__(self):
        self.pids = [p for p in (plane_pid(c) for c in self.components) if p]
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


PLANE = ("etcd", "kube-apiserver", "kwok", "kube-controller-manager", "kube-scheduler")


def plane_memory():
    """{component: {rss_mb, hwm_mb}} of the bench plane's processes (VmRSS now, VmHWM its peak)."""
    out = {}
    for c in PLANE:
        pid = plane_pid(c)
        if not pid:
            continue
        try:
            st = {l.split(":")[0]: int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("Vm")}
        except (OSError, ValueError, IndexError):
            continue
        out[c] = {"rss_mb": round(st.get("VmRSS", 0) / 1024), "hwm_mb": round(st.get("VmHWM", 0) / 1024)}
    return out


def plane_cpu():
    """{component: user+system CPU seconds so far} of the bench plane's processes."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for c in PLANE:
        pid = plane_pid(c)
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            out[c] = (int(f[11]) + int(f[12])) / tick
        except (OSError, ValueError, IndexError, TypeError):
            pass
    return out


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
    with Frozen():  # as for doctor and every other peer
        rc, wall, rss, _ = measure(argv, stdout=out_path(f"popeye-{tag}.json"), stderr=out_path(f"popeye-{tag}.err"),
                                   timeout=PEER_TIMEOUT, rss_cap_mb=env_int("BENCH_POPEYE_RSS_MB", PEER_RSS_MB), why=why)
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


KUBECTL_GET = "nodes,namespaces,pods,events,daemonsets,deployments,replicasets"


def peer_run(name, argv, tag, timeout=None, rss_cap=None, env=None, stdout=None):
    """One run of a peer (a tool a user would run instead of doctor), with the plane's other
    clients paused as for doctor. Killed past the time or RSS cap: then `error` says which, and
    seconds / peak RSS say how far it got."""
    why = {}
    with Frozen():
        rc, wall, rss, _ = measure(argv, stdout=stdout or out_path(f"{name}-{tag}.out"), stderr=out_path(f"{name}-{tag}.err"),
                                   timeout=timeout or PEER_TIMEOUT, rss_cap_mb=rss_cap or PEER_RSS_MB, why=why,
                                   env=env)
    res = {"exit_code": rc, "seconds": round(wall, 3), "peak_rss_mb": round(rss, 1), "cpu_s": why.get("cpu_s")}
    if why.get("killed"):
        res["error"] = f"killed: {why['killed']}"
    elif rc != 0:
        res["error"] = f"exit code {rc}: " + (open(out_path(f"{name}-{tag}.err"), errors="replace").read().strip()
                                               .splitlines() or [""])[-1][:200]
    return res


def kubectl_get_suite(tag, repeat):
    """`kubectl get <the kinds doctor reads> -A -o json > /dev/null`: median of `repeat` runs."""
    if not WANT_KUBECTL:
        return {"skipped": "BENCH_KUBECTL=0"}
    log(f"kubectl get {KUBECTL_GET} -A -o json ({tag}), {repeat} run(s)")
    argv = [KUBECTL, "get", KUBECTL_GET, "-A", "-o", "json"]
    runs = []
    for _ in range(repeat):
        r = peer_run("kubectl-get", argv, tag, stdout=os.devnull)  # `> /dev/null`: GBs at the envelope
        runs.append(r)
        if r.get("error"):
            return dict(r, runs=runs)
    try:
        version = json.loads(sh([KUBECTL, "version", "--client", "-o", "json"]))["clientVersion"]["gitVersion"]
    except (RuntimeError, ValueError, KeyError):
        version = None
    return {"version": version, "seconds": statistics.median(x["seconds"] for x in runs),
            "peak_rss_mb": max(x["peak_rss_mb"] for x in runs),
            "cpu_s": statistics.median(x["cpu_s"] or 0 for x in runs), "runs": runs}


def k8sgpt_suite(tag):
    """`k8sgpt analyze -o json` with no AI backend (no --explain): its built-in analyzers only."""
    if not WANT_K8SGPT:
        return {"skipped": "BENCH_K8SGPT=0"}
    r = subprocess.run(["bash", f"{HERE}/k8sgpt.sh"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=ENV)
    if r.returncode != 0:
        return {"error": (r.stderr.strip().splitlines() or ["build failed"])[-1], "build_failed": True}
    binp = r.stdout.strip().splitlines()[-1]
    log(f"k8sgpt analyze -o json ({tag})")
    home = out_path("k8sgpt-home")  # its config file, not the user's
    os.makedirs(home, exist_ok=True)
    env = dict(ENV, HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home)
    argv = [binp, "analyze", "-o", "json", "--kubeconfig", f"{STATE}/admin.kubeconfig"]
    res = peer_run("k8sgpt", argv, tag, env=env)
    res.update({"binary": binp, "version": os.path.basename(binp).replace("k8sgpt-", "")})
    try:
        rep = json.load(open(out_path(f"k8sgpt-{tag}.out")))
        res["problems"] = rep.get("problems")
        res["kinds"] = sorted({x.get("kind") for x in rep.get("results") or [] if x.get("kind")})
    except (OSError, ValueError, AttributeError):
        pass
    return res


def chunk_suite(tag, pods):
    """doctor at each --chunk-size of BENCH_CHUNKS: requests (its own -v count), pod pages, time,
    peak RSS (one run each, plane paused)."""
    out = {}
    for cs in CHUNKS:
        info = {}
        argv = [BIN, "-v", "doctor", "-A", "-o", "json", "--max-logs", "0", "--chunk-size", str(cs)]
        with Frozen():
            rc, wall, rss, _ = measure(argv, stdout=os.devnull, stderr=out_path(f"doctor-{tag}-chunk{cs}.err"), why=info)
        m = re.search(r"made (\d+) API requests", open(out_path(f"doctor-{tag}-chunk{cs}.err"), errors="replace").read())
        out[str(cs)] = {"requests": int(m.group(1)) if m else None, "exit_code": rc, "seconds": round(wall, 3),
                        "peak_rss_mb": round(rss, 1), "cpu_s": info.get("cpu_s"),
                        "pod_pages": -(-pods // cs) if cs else 1}
    return out


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


KWOK_SERIES = ("leases", "nodes/status")


def fanout_cost(api, fan_nodes):
    """Per-node cost of `exec -l`: API requests (apiserver_request_total) and plugin CPU time at
    two fan-out sizes; slope and constant of each. kwok must run (it starts the pods), so its own
    requests are taken out by series: pod and node status (PATCH pods/status, nodes/status), node
    leases, and the final DELETE of each pod of its pod-delete stage (one per pod); the scheduler and
    controller-manager are paused. Pods are bound to their node by the plugin, so the scheduler has
    nothing to do anyway."""
    sizes = sorted({min(FANOUT_SMALL, len(fan_nodes)), len(fan_nodes)})
    small = fan_nodes[:sizes[0]]
    log(f"fan-out cost: requests and CPU per node at {sizes} nodes")
    patch = [{"op": "add", "path": "/metadata/labels/bench.local~1fan-small", "value": "true"}]
    import concurrent.futures as cf
    with cf.ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda n: api.json_patch(f"/api/v1/nodes/{n}", patch), small))
    out = {}
    for n in sizes:
        sel = "testenv.local/node-set=bf" + (",bench.local/fan-small=true" if n < len(fan_nodes) else "")
        argv = [BIN, "exec", "-n", EXEC_NS, "-l", sel, "--yes", "--max-concurrency", "500", "-o", "json",
                "--", "cmd", "/c", "echo", "hi"]
        runs = []
        for _ in range(min(3, REPEAT)):
            info = {}
            with Frozen(("kube-scheduler", "kube-controller-manager")):
                m1 = api.metrics()
                rc, wall, _, _ = measure(argv, stdout=out_path(f"fanout-cost-{n}.json"),
                                         stderr=out_path(f"fanout-cost-{n}.err"), why=info)
                time.sleep(2)  # kwok's last pod deletions
                m2 = api.metrics()
            by = {}
            for k, v in kapi.metrics_delta(m1, m2).items():
                verb = kapi.label_of(k, "verb")
                res = kapi.label_of(k, "resource")
                sub = kapi.label_of(k, "subresource")
                key = f"{verb} {res}" + (f"/{sub}" if sub else "")
                by[key] = by.get(key, 0) + int(v)
            total = sum(by.values())
            kwok = sum(v for k, v in by.items() if k.split()[1] in KWOK_SERIES or k == "PATCH pods/status"
                       or k == "PUT pods/status") + n  # + its final DELETE of each pod
            runs.append({"exit_code": rc, "seconds": round(wall, 3), "cpu_s": info.get("cpu_s"),
                         "requests_all": total, "requests_kwok": kwok, "requests_plugin": total - kwok,
                         "by_verb_resource": dict(sorted(by.items()))})
        runs.sort(key=lambda x: x["requests_plugin"])
        med = runs[len(runs) // 2]
        out[str(n)] = {"requests_plugin": med["requests_plugin"],
                       "cpu_s": statistics.median(r["cpu_s"] for r in runs), "runs": runs}
    res = {"sizes": sizes, "by_size": out}
    if len(sizes) == 2:
        a, b = (out[str(x)] for x in sizes)
        dn = sizes[1] - sizes[0]
        res["requests_per_node"] = round((b["requests_plugin"] - a["requests_plugin"]) / dn, 2)
        res["requests_constant"] = round(a["requests_plugin"] - res["requests_per_node"] * sizes[0], 1)
        res["cpu_ms_per_node"] = round((b["cpu_s"] - a["cpu_s"]) * 1000 / dn, 2)
        res["cpu_ms_constant"] = round(a["cpu_s"] * 1000 - res["cpu_ms_per_node"] * sizes[0], 1)
    return res


def xargs_suite(fan_nodes):
    """The best shell alternative to `exec -l`: xargs -P 16 over the nodes, each running
    bench/xargs-node.sh (kubectl run bound to the node / wait / exec / delete)."""
    if not WANT_XARGS:
        return {"skipped": "BENCH_XARGS=0"}
    log(f"xargs -P 16: kubectl run/wait/exec/delete over {len(fan_nodes)} nodes")
    lst = out_path("xargs-nodes.txt")
    with open(lst, "w") as f:
        f.writelines(f"{n}\n" for n in fan_nodes)
    cmd = f"xargs -P 16 -n 1 bash {HERE}/xargs-node.sh {EXEC_NS} < {lst}"
    info = {}
    env = dict(ENV, XARGS_IMAGE=populate.IMAGE)
    rc, wall, rss, _ = measure(["bash", "-c", cmd], stdout=out_path("xargs.out"), stderr=out_path("xargs.err"),
                               why=info, env=env, timeout=1800)
    ok = sum(1 for line in open(out_path("xargs.out"), errors="replace") if line.rstrip().endswith(" hi"))
    return {"nodes": len(fan_nodes), "seconds": round(wall, 3), "exit_code": rc, "succeeded": ok,
            "cpu_s": info.get("cpu_s"), "peak_rss_mb_one_process": round(rss, 1)}


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


def fmt_peer(p, doctor_s):
    """'12.3 s, 456 MB (5.8x doctor)' or how far a killed / failed peer got."""
    if not p or p.get("skipped"):
        return f"skipped ({(p or {}).get('skipped')})"
    if p.get("build_failed"):
        return f"not built: {p['error']}"
    if p.get("seconds") is None:
        return f"failed: {p.get('error')}"
    base = f"{p['seconds']:.2f} s, {p['peak_rss_mb']:.0f} MB"
    if p.get("error"):
        return f"{base} then {p['error']} (>= {p['seconds'] / doctor_s:.1f}x doctor)"
    extra = "" if p.get("complete", True) else f"; INCOMPLETE: empty {','.join(p.get('empty_sections', []))}"
    return f"{base} ({p['seconds'] / doctor_s:.1f}x doctor{extra})"


def pages_needed(z):
    """LIST pages doctor needs at a size: one per PAGE nodes, pods and Warning events, one for each
    other kind it listed (namespaces, DaemonSets: far fewer than a page in the bench)."""
    c = z["cluster"]
    paged = {"nodes": c["nodes"], "pods": c["pods"], "events": c["warning_events"]}
    kinds = {k.split(" ", 1)[1] for k in z["doctor"]["requests"]["by_verb_resource"] if k.startswith("LIST ")}
    return sum(max(1, -(-paged[k] // PAGE)) if k in paged else 1 for k in kinds | set(paged))


def table(r):
    rows = []
    for tag, z in r["sizes"].items():
        d, c = z["doctor"], z["cluster"]
        rows += [
            (f"[{tag}] cluster", f"{c['nodes']} nodes, {c['pods']} pods, {c['events']} events "
                                 f"({c['warning_events']} Warning)", "", ""),
            ("  setup: nodes + pods + settle", f"{z['setup']['nodes_s']:.0f} + {z['setup']['pods_s']:.0f} + "
             f"{z['setup']['settle_s']:.0f} s ({z['setup']['seconds_per_1000_pods']} s per 1,000 pods to settled)", "", ""),
            ("  plane RSS: apiserver / etcd / kwok",
             " / ".join(f"{z['plane_memory'].get(k, {}).get('rss_mb', 0)} MB" for k in ("kube-apiserver", "etcd", "kwok")), "", ""),
            ("  doctor -A -o json --max-logs 0", f"{d['seconds']:.2f} s (CPU {statistics.median(x['cpu_s'] or 0 for x in d['runs']):.2f} s)", "", ""),
            ("  floor (same LISTs, curl)", f"{d['floor_seconds']:.2f} s", "", ""),
            ("  doctor / floor", f"{d['floor_ratio']:.2f}x", *verdict("doctor_floor_ratio", d["floor_ratio"])),
            ("  peak RSS", f"{d['peak_rss_mb']:.0f} MB", *verdict("doctor_peak_rss_mb", d["peak_rss_mb"])),
            ("  API requests (apiserver metric)", f"{d['requests']['requests']} (own count {d['requests']['self_reported']}; "
             f"{pages_needed(z)} pages of {PAGE})",
             *verdict("doctor_api_requests_over_pages", d["requests"]["requests"] - pages_needed(z))),
            ("  requests / RSS by --chunk-size", "; ".join(
                f"{cs}: {v['requests']} req, {v['pod_pages']} pod pages, {v['peak_rss_mb']:.0f} MB, {v['seconds']:.2f} s"
                for cs, v in z["chunks"].items()), "", ""),
            ("  logs on (default cap) / off", f"{d['logs']['seconds_with_logs']:.2f} s, {d['logs'].get('with_logs')} req / "
             f"{d['logs']['seconds_without_logs']:.2f} s, {d['logs'].get('without_logs')} req "
             f"({d['logs']['log_requests']} log GETs of {d['logs'].get('failing_containers')} failing)", "", ""),
            ("  kubectl get (7 kinds) -A -o json", fmt_peer(z["kubectl_get"], d["seconds"]),
             *verdict("kubectl_get_vs_doctor", z.get("kubectl_get_vs_doctor", z.get("kubectl_get_vs_doctor_at_least")))),
            ("  popeye -A", fmt_peer(z["popeye"], d["seconds"]), *verdict("popeye_vs_doctor", z.get("popeye_vs_doctor", z.get("popeye_vs_doctor_at_least")))),
            ("  k8sgpt analyze", fmt_peer(z["k8sgpt"], d["seconds"]), *verdict("k8sgpt_vs_doctor", z.get("k8sgpt_vs_doctor", z.get("k8sgpt_vs_doctor_at_least")))),
        ]
    e = r["exec"]
    fc = e.get("cost", {})
    rows += [
        (f"exec fan-out, {r['fanout_nodes']} nodes",
         f"{e['fanout_s']:.2f} s ({e['fanout_succeeded']} ok; plugin CPU {e['fanout_cpu_s']:.1f} s)", "", ""),
        ("  one node", f"{e['one_node_s']:.2f} s", "", ""),
        (f"  kwok alone: {r['fanout_nodes']} pods to Running", f"{e['kwok_start_floor_s']:.2f} s", "", ""),
        ("  fan-out / one node", f"{r['fanout_vs_one_node_ratio']:.2f}x", *verdict("fanout_vs_one_node_ratio", r["fanout_vs_one_node_ratio"])),
        ("  xargs -P 16 kubectl run/wait/exec/delete",
         f"{e['xargs']['seconds']:.1f} s ({e['xargs']['succeeded']} ok, CPU {e['xargs']['cpu_s']:.0f} s)"
         if e.get("xargs", {}).get("seconds") else str(e.get("xargs")), "", ""),
        ("  fan-out speed-up vs xargs -P 16", f"{r.get('fanout_vs_xargs_speedup')}x",
         *verdict("fanout_vs_xargs_speedup", r.get("fanout_vs_xargs_speedup"))),
        (f"  serial kubectl loop, {e['serial_nodes']} nodes -> {r['fanout_nodes']}",
         f"{e['serial_s']:.1f} s -> {e['serial_scaled_s']:.0f} s ({r['fanout_vs_serial_speedup']:.0f}x)",
         *verdict("fanout_vs_serial_speedup", r["fanout_vs_serial_speedup"])),
        (f"  API requests per node ({', '.join(map(str, fc.get('sizes', [])))} nodes)",
         f"{fc.get('requests_per_node')} + {fc.get('requests_constant')}",
         *verdict("fanout_api_requests_per_node", fc.get("requests_per_node"))),
        ("  plugin CPU per node", f"{fc.get('cpu_ms_per_node')} ms + {fc.get('cpu_ms_constant')} ms",
         *verdict("fanout_cpu_ms_per_node", fc.get("cpu_ms_per_node"))),
        (f"lint {r['lint']['documents']} manifests ({r['lint']['files']} files)", f"{r['lint_1000_ms']:.0f} ms",
         *verdict("lint_1000_ms", r["lint_1000_ms"])),
        ("--help (median of 20)", f"{r['help_ms']:.1f} ms", *verdict("help_ms", r["help_ms"])),
    ]
    w0 = max(len(x[0]) for x in rows)
    w1 = min(max(len(x[1]) for x in rows), 110)
    w2 = max(len(x[2]) for x in rows)
    lines = [f"{'measure':<{w0}}  {'result':<{w1}}  {'target':<{w2}}  status", "-" * (w0 + w1 + w2 + 14)]
    lines += [f"{a:<{w0}}  {b:<{w1}}  {c:<{w2}}  {d}".rstrip() for a, b, c, d in rows]
    return "\n".join(lines)


def markdown(r):
    """The README's Performance table (results.md): one column per size above the small one, a
    blank cell where a figure was not measured (an exec row at the large size, or a partial run)."""
    def n(x):
        return f"{x:,}" if isinstance(x, int) else ("" if x is None else str(x))

    def g(d, *keys):
        for k in keys:
            d = d.get(k) if isinstance(d, dict) else None
        return d

    def s_(x):
        return "" if x is None else f"{x:.2f} s"

    def cell(z, fn):
        try:
            return fn(z)
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            return ""

    def signed(x):  # a fitted constant may come out below 0
        return f"+ {x}" if x >= 0 else f"− {-x}"

    def chunk(z, cs):
        c = z["chunks"][cs]
        return f"{c['requests']} requests ({c['pod_pages']} pod pages), {c['peak_rss_mb']} MB, {s_(c['seconds'])}"

    def peer(z, name):
        p, d = z[name], z["doctor"]["seconds"]
        if p.get("seconds") is None:
            return fmt_peer(p, d)
        head = f"{p['seconds']:.2f} s, {p['peak_rss_mb']:.0f} MB"
        if p.get("error"):
            return f"{p['error']} after {head}: doctor at least {p['seconds'] / d:.1f}x faster"
        if not p.get("complete", True):
            return f"{head} (incomplete: empty {', '.join(p.get('empty_sections', []))} sections)"
        return f"{head}: doctor {p['seconds'] / d:.1f}x faster"

    sizes = [(t, z) for t, z in r["sizes"].items() if t != "small"]

    def version(peer_name):
        return next((z[peer_name]["version"] for _, z in sizes if g(z, peer_name, "version")), "")
    rows = [
        ("cluster: nodes / pods / events / Warning events", lambda z: " / ".join(
            n(z["cluster"][k]) for k in ("nodes", "pods", "events", "warning_events")), ""),
        ("setup per 1,000 pods (create + settle)", lambda z: f"{z['setup']['seconds_per_1000_pods']} s", ""),
        ("API server / etcd / kwok RSS", lambda z: " / ".join(
            n(round(z["plane_memory"][k]["rss_mb"])) for k in ("kube-apiserver", "etcd", "kwok")) + " MB", ""),
        ("`doctor -A -o json --max-logs 0`", lambda z: f"{s_(z['doctor']['seconds'])} (CPU "
         f"{statistics.median(x['cpu_s'] or 0 for x in z['doctor']['runs']):.2f} s)", ""),
        ("floor: the same requests with curl", lambda z: s_(z["doctor"]["floor_seconds"]), ""),
        ("doctor / floor", lambda z: f"{z['doctor']['floor_ratio']}x", "<= 1.3x"),
        ("doctor peak RSS", lambda z: f"{z['doctor']['peak_rss_mb']} MB", "<= 120 MB"),
        (f"API requests (default `--chunk-size` {PAGE})", lambda z: f"{z['doctor']['requests']['requests']} for "
         f"{pages_needed(z)} pages ({z['chunks'][str(PAGE)]['pod_pages']} of pods)", "one per page, none per object"),
        *[(f"`--chunk-size {cs}`: requests, RSS, time", lambda z, cs=cs: chunk(z, cs), "")
          for cs in map(str, CHUNKS) if cs != str(PAGE)],
        ("with container logs / without: time, requests", lambda z: (
            f"{s_(z['doctor']['logs']['seconds_with_logs'])}, {z['doctor']['logs']['with_logs']} requests / "
            f"{s_(z['doctor']['logs']['seconds_without_logs'])}, {z['doctor']['logs']['without_logs']}"), ""),
        ("`kubectl get` (7 kinds) `-A -o json`", lambda z: peer(z, "kubectl_get"), ">= 3x"),
        (f"popeye {version('popeye')} `-A`".replace("  ", " "), lambda z: peer(z, "popeye"), ">= 10x"),
        (f"k8sgpt {version('k8sgpt')} `analyze`".replace("  ", " "), lambda z: peer(z, "k8sgpt"), ">= 10x"),
    ]
    e = r.get("exec") or {}
    once = [
        (f"`exec -l …` over {n(e.get('fanout_nodes'))} nodes",
         lambda _: f"{s_(e['fanout_s'])} (plugin CPU {e['fanout_cpu_s']:.2f} s)", ""),
        ("`xargs -P 16` kubectl run / wait / exec / delete", lambda _: (
            f"{e['xargs']['seconds']:.2f} s: fan-out {e['xargs']['seconds'] / e['fanout_s']:.1f}x faster"), ">= 5x"),
        (f"serial loop, {n(e.get('serial_nodes'))} nodes -> {n(e.get('fanout_nodes'))}", lambda _: (
            f"{e['serial_s']:.2f} s -> {e['serial_scaled_s']:.1f} s: fan-out {e['serial_scaled_s'] / e['fanout_s']:.1f}x faster"), ""),
        (f"fan-out API requests per node ({' → '.join(map(str, g(e, 'cost', 'sizes') or []))} nodes)", lambda _: f"{e['cost']['requests_per_node']} per node {signed(e['cost']['requests_constant'])}",
         "<= 4 + a constant"),
        ("fan-out plugin CPU per node", lambda _: f"{e['cost']['cpu_ms_per_node']} ms per node {signed(e['cost']['cpu_ms_constant'])} ms",
         "<= 4 ms"),
        ("`lint` 1,000 manifests" + (f" ({r['lint']['files']} files)" if g(r, "lint", "files") else ""), lambda _: f"{r['lint']['ms']:.0f} ms", "< 200 ms"),
        ("`--help` (median of 20)", lambda _: f"{r['help']['ms']:.2f} ms", "< 5 ms"),
    ]
    def line(cells):
        return "| " + " | ".join(cells) + " |"

    lines = [line(["measure", *(f"{n(g(z, 'cluster', 'nodes'))} nodes / {n(g(z, 'cluster', 'pods'))} pods"
                                for _, z in sizes), "goal"]), "|---" * (len(sizes) + 2) + "|"]
    lines += [line([label, *(cell(z, fn) for _, z in sizes), goal]) for label, fn, goal in rows]
    lines += [line([label, *(cell(None, fn) if t == "full" else "" for t, _ in sizes), goal]) for label, fn, goal in once]
    text = "\n".join(lines).replace("<=", "≤").replace(">=", "≥").replace("->", "→")
    return re.sub(r"(\d)x\b", "\\1×", text)


def write_markdown(r):
    with open(out_path("results.md"), "w") as f:
        f.write(markdown(r) + "\n")


# ---- plot ------------------------------------------------------------------------------------

def plot_svg(path, sizes):
    """doctor-scaling.svg: wall time and peak RSS against pods (log-log), for doctor, its floor and
    kubectl get, at every size measured. Hand-written SVG: no plotting library."""
    import math
    series = {  # name: (colour, dash, [(pods, seconds)], [(pods, MB)])
        "doctor": ("#1f77b4", "", [], []),
        "floor (curl)": ("#2ca02c", "6 3", [], []),
        "kubectl get": ("#d62728", "2 3", [], []),
    }
    for z in sizes.values():
        n = z["cluster"]["pods"]
        series["doctor"][2].append((n, z["doctor"]["seconds"]))
        series["doctor"][3].append((n, z["doctor"]["peak_rss_mb"]))
        series["floor (curl)"][2].append((n, z["doctor"]["floor_seconds"]))
        k = z.get("kubectl_get") or {}
        if k.get("seconds") and not k.get("error"):
            series["kubectl get"][2].append((n, k["seconds"]))
            series["kubectl get"][3].append((n, k["peak_rss_mb"]))
    W, H, PW, PH, ML, MT = 860, 380, 330, 260, 70, 50

    def panel(x0, title, ylabel, idx):
        pts = [p for s in series.values() for p in s[idx]]
        if not pts:
            return []
        lx = [math.log10(p[0]) for p in pts]
        ly = [math.log10(max(p[1], 1e-3)) for p in pts]
        xa, xb = math.floor(min(lx)), math.ceil(max(lx))
        ya, yb = math.floor(min(ly)), math.ceil(max(ly))
        xb, yb = max(xb, xa + 1), max(yb, ya + 1)
        X = lambda v: x0 + (math.log10(v) - xa) / (xb - xa) * PW  # noqa: E731
        Y = lambda v: MT + PH - (math.log10(max(v, 1e-3)) - ya) / (yb - ya) * PH  # noqa: E731
        o = [f'<text x="{x0 + PW / 2}" y="{MT - 18}" text-anchor="middle" font-weight="bold">{title}</text>',
             f'<rect x="{x0}" y="{MT}" width="{PW}" height="{PH}" fill="none" stroke="#999"/>']
        for e in range(xa, xb + 1):
            x = X(10 ** e)
            o.append(f'<line x1="{x:.1f}" y1="{MT}" x2="{x:.1f}" y2="{MT + PH}" stroke="#eee"/>')
            o.append(f'<text x="{x:.1f}" y="{MT + PH + 16}" text-anchor="middle">{10 ** e:,}</text>')
        for e in range(ya, yb + 1):
            y = Y(10 ** e)
            o.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + PW}" y2="{y:.1f}" stroke="#eee"/>')
            o.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
        o.append(f'<text x="{x0 + PW / 2}" y="{MT + PH + 34}" text-anchor="middle">pods (log)</text>')
        o.append(f'<text transform="translate({x0 - 48},{MT + PH / 2}) rotate(-90)" text-anchor="middle">{ylabel}</text>')
        for name, (col, dash, *data) in series.items():
            d = sorted(data[idx - 2])
            if not d:
                continue
            pl = " ".join(f"{X(a):.1f},{Y(b):.1f}" for a, b in d)
            o.append(f'<polyline points="{pl}" fill="none" stroke="{col}" stroke-width="2"'
                     + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
            for a, b in d:
                o.append(f'<circle cx="{X(a):.1f}" cy="{Y(b):.1f}" r="3.5" fill="{col}"><title>{name}: '
                         f'{a:,} pods, {b:g}</title></circle>')
        return o

    body = panel(ML, "wall time (median)", "seconds (log)", 2)
    body += panel(ML + PW + 110, "peak RSS", "MB (log)", 3)
    lx = ML
    for name, (col, dash, *_rest) in series.items():
        body.append(f'<line x1="{lx}" y1="{H - 14}" x2="{lx + 26}" y2="{H - 14}" stroke="{col}" stroke-width="2"'
                    + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        body.append(f'<text x="{lx + 32}" y="{H - 10}">{name}</text>')
        lx += 150
    body.append(f'<text x="{lx + 10}" y="{H - 10}" fill="#666">(the floor discards the bodies: no RSS)</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n'
           + "\n".join(body) + "\n</svg>\n")
    with open(path, "w") as f:
        f.write(svg)


# ---- main ------------------------------------------------------------------------------------

def stages():
    """(tag, nodes, pods) in growing order: 1/10, the default size, and the envelope if asked."""
    out = [("small", NODES // 10, PODS // 10), ("full", NODES, PODS)]
    if LARGE_PODS > PODS and LARGE_NODES >= NODES:
        out.append(("large", LARGE_NODES, LARGE_PODS))
    return out


def mem_available_mb():
    try:
        return int(next(l for l in open("/proc/meminfo") if l.startswith("MemAvailable")).split()[1]) // 1024
    except (OSError, StopIteration, ValueError):
        return 0


def checkpoint(r, phase):
    """Write results.json as it stands, marked `partial`: a run cut short (killed, or a session
    that ends) keeps every figure measured so far. summarize() replaces it at the end."""
    r["partial"] = {"after": phase, "elapsed_s": round(time.time() - T0, 1)}
    with open(out_path("results.json"), "w") as f:
        json.dump(r, f, indent=2)
    try:  # a table of what is there; never the reason a run stops
        write_markdown(r)
    except Exception as e:  # noqa: BLE001
        log(f"results.md not written: {e!r}")
    log(f"results so far: {out_path('results.json')} (partial, after {phase})")


def measure_size(api, r, tag, setup):
    """Every doctor figure and kubectl get at the cluster as it is now, in order of what matters
    most (a run cut short keeps the first): doctor and its floor, logs on/off, chunk sizes."""
    z = {"setup": setup, "cluster": cluster_size(api), "plane_memory": plane_memory()}
    r["sizes"][tag] = z
    n = max(1, setup["populate"]["pods"])
    setup["seconds_per_1000_pods"] = round((setup["pods_s"] + setup["settle_s"]) / n * 1000, 2)
    log(f"[{tag}] cluster {z['cluster']}; plane RSS {z['plane_memory']}")
    z["doctor"] = doctor_suite(api, tag, REPEAT)
    checkpoint(r, f"{tag} doctor")
    z["doctor"]["logs"] = logs_suite(tag, LARGE_LOG_RUNS if tag == "large" else REPEAT)
    checkpoint(r, f"{tag} logs")
    z["chunks"] = chunk_suite(tag, z["cluster"]["pods"])
    checkpoint(r, f"{tag} chunks")
    z["kubectl_get"] = kubectl_get_suite(tag, min(3, REPEAT))
    z["plane_memory_after"] = plane_memory()
    checkpoint(r, f"{tag} kubectl get")
    return z


def peers(r, z, tag):
    z["popeye"] = popeye_suite(tag)
    checkpoint(r, f"{tag} popeye")
    z["k8sgpt"] = k8sgpt_suite(tag)
    z["plane_memory_after"] = plane_memory()
    d = z["doctor"]["seconds"]
    for name in ("kubectl_get", "popeye", "k8sgpt"):
        p = z[name]
        if p.get("seconds") and not p.get("error"):
            z[f"{name}_vs_doctor"] = round(p["seconds"] / d, 1)
        elif p.get("seconds"):  # killed or failed: it would have taken longer
            z[f"{name}_vs_doctor_at_least"] = round(p["seconds"] / d, 1)


def main():
    os.makedirs(OUT, exist_ok=True)
    if not os.access(BUILT, os.X_OK):
        sys.exit(f"bench: {BUILT} is missing; run `cargo build --release` (make bench does)")
    shutil.copy2(BUILT, BIN)
    if NODES < 20 or PODS < 200:
        sys.exit("bench: BENCH_NODES >= 20 and BENCH_PODS >= 200, please")
    procs = env_int("BENCH_POPULATE_PROCS", 1)
    freeze = os.environ.get("BENCH_POPULATE_FREEZE", "0") == "1"
    r = {"nodes": NODES, "pods": PODS, "machine": machine(), "plugin": plugin_version(),
         "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sizes": {}}
    plane = {}
    all_nodes, fan_nodes, prev_nodes, prev_pods, prev_psa = [], [], 0, 0, 0
    try:
        api, plane["plane_up_s"] = timed(plane_up)
        for tag, n_nodes, n_pods in stages():
            log(f"[{tag}] growing to {n_nodes} nodes, {n_pods} pods")
            setup = {}
            t = time.perf_counter()
            if tag == "small":
                all_nodes += add_nodes(n_nodes, "bs")
            elif tag == "full":
                fan_nodes = add_nodes(min(FANOUT, n_nodes - prev_nodes), "bf")
                all_nodes += fan_nodes + add_nodes(n_nodes - prev_nodes - len(fan_nodes), "bl")
            else:
                all_nodes += add_nodes(n_nodes - prev_nodes, "bx")
            setup["nodes_s"] = round(time.perf_counter() - t, 1)
            # New pods over the new nodes, as before, unless that would pile them up (the envelope
            # adds many more pods than nodes): then over every node.
            new_nodes = all_nodes[prev_nodes:]
            target = new_nodes if (n_pods - prev_pods) / len(new_nodes) <= 1.2 * n_pods / n_nodes else all_nodes
            psa = max(2, n_pods // 2000) if tag != "small" else max(1, max(2, PODS // 2000) // 10)
            # BENCH_POPULATE_FREEZE=1: kwok, scheduler and controller-manager paused while the pods
            # are created (no node-lease renewals, no watch fan-out to them); kwok then brings the
            # healthy pods to Running during the settle wait. Node grace periods are 1 h (testenv).
            # The large size grows in steps of BENCH_LARGE_STEP pods and stops early when the
            # memory left (MemAvailable) falls below what doctor and one peer at its cap need: the
            # largest size this machine holds, measured rather than projected.
            step = env_int("BENCH_LARGE_STEP", 10000) if tag == "large" else n_pods
            reserve = PEER_RSS_MB + 2048 + int(n_pods * r["sizes"]["full"]["doctor"]["peak_rss_mb"]
                                               / r["sizes"]["full"]["cluster"]["pods"]) if tag == "large" else 0
            cur, steps = prev_pods, []
            while cur < n_pods:
                nxt = min(n_pods, cur + step)
                with (Frozen() if freeze else contextlib.nullcontext()):
                    pop, pods_s = timed(
                        populate.populate, api, cur, nxt - cur, target, max(1, round(n_pods / n_nodes)),
                        prev_psa if cur == prev_pods else 0, max(0, psa - prev_psa) if cur == prev_pods else 0,
                        log=log, procs=procs, server_cpu=plane_cpu)
                pop["frozen"] = freeze
                settle_s = populate.wait_settled(api, 600 + nxt // 20, log=log)
                cur = nxt
                steps.append({"pods_to": cur, "populate": pop, "pods_s": pods_s, "settle_s": settle_s,
                              "mem_available_mb": mem_available_mb(), "plane_memory": plane_memory()})
                if tag == "large" and cur < n_pods and steps[-1]["mem_available_mb"] < reserve:
                    log(f"[large] stopping at {cur} pods: {steps[-1]['mem_available_mb']} MB available, "
                        f"{reserve} MB kept for doctor and a peer (BENCH_PEER_RSS_MB)")
                    r["large_stopped"] = {"asked_pods": n_pods, "pods": cur, "reserve_mb": reserve,
                                          "mem_available_mb": steps[-1]["mem_available_mb"]}
                    break
            n_pods = cur
            setup["pods_s"] = round(sum(x["pods_s"] for x in steps), 1)
            setup["settle_s"] = round(sum(x["settle_s"] for x in steps), 1)
            setup["populate"] = dict(steps[-1]["populate"], pods=sum(x["populate"]["pods"] for x in steps),
                                     seconds=setup["pods_s"])
            if len(steps) > 1:
                setup["steps"] = steps
            prev_nodes, prev_pods, prev_psa = n_nodes, n_pods, max(psa, prev_psa)
            z = measure_size(api, r, tag, setup)
            if tag == "full":
                # exec before popeye: popeye leaves the apiserver busy (and GBs of its caches to free).
                r["exec"] = exec_suite(fan_nodes)
                r["exec"]["cost"] = fanout_cost(api, fan_nodes)
                r["exec"]["xargs"] = xargs_suite(fan_nodes)
                checkpoint(r, "exec")
            peers(r, z, tag)
            checkpoint(r, f"{tag} peers")
    finally:
        if KEEP:
            log(f"BENCH_KEEP=1: the bench plane keeps running (KUBECONFIG={STATE}/admin.kubeconfig); "
                f"stop it with: TESTENV_STATE={STATE} bash testenv/down.sh")
        else:
            log("tearing the bench plane down")
            subprocess.run(["bash", f"{ROOT}/testenv/down.sh"], env=ENV)
    # lint reads files only: timed once the plane is down. Right after the large size's peers
    # (the API server still freeing GBs) it took 391-523 ms; on the quiet machine, 281 ms.
    log("lint and --help")
    r["lint"] = lint_suite()
    r["help"] = help_suite()
    summarize(r, plane)


def summarize(r, plane):
    r.pop("partial", None)
    r["plane_up_s"] = plane["plane_up_s"]
    full = r["sizes"]["full"]
    large_tag = list(r["sizes"])[-1]
    large = r["sizes"][large_tag]
    r["setup_s"] = round(plane["plane_up_s"] + sum(
        z["setup"][k] for z in r["sizes"].values() for k in ("nodes_s", "pods_s", "settle_s")), 1)
    r["setup_s_per_1000_pods"] = {t: z["setup"]["seconds_per_1000_pods"] for t, z in r["sizes"].items()}
    d = full["doctor"]
    r["cluster"] = full["cluster"]
    r["doctor_s"] = d["seconds"]
    r["doctor_floor_s"] = d["floor_seconds"]
    r["doctor_floor_ratio"] = d["floor_ratio"]
    r["doctor_peak_rss_mb"] = d["peak_rss_mb"]
    r["doctor_peak_rss_mb_per_1k_pods"] = round(d["peak_rss_mb"] / (full["cluster"]["pods"] / 1000), 2)
    r["doctor_api_requests"] = d["requests"]["requests"]
    r["doctor_api_requests_small"] = r["sizes"]["small"]["doctor"]["requests"]["requests"]
    r["doctor_api_requests_over_pages"] = d["requests"]["requests"] - pages_needed(full)
    r["large_size"] = large_tag
    r["large_nodes"] = large["cluster"]["nodes"]
    r["large_pods"] = large["cluster"]["pods"]
    r["doctor_s_large"] = large["doctor"]["seconds"]
    r["doctor_floor_s_large"] = large["doctor"]["floor_seconds"]
    r["doctor_floor_ratio_large"] = large["doctor"]["floor_ratio"]
    r["doctor_peak_rss_mb_large"] = large["doctor"]["peak_rss_mb"]
    r["doctor_api_requests_large"] = large["doctor"]["requests"]["requests"]
    r["doctor_api_requests_over_pages_large"] = large["doctor"]["requests"]["requests"] - pages_needed(large)
    r["doctor_floor_ratio_max"] = max(z["doctor"]["floor_ratio"] for z in r["sizes"].values())
    r["doctor_logs"] = {t: {k: z["doctor"]["logs"].get(k) for k in
                            ("seconds_with_logs", "seconds_without_logs", "with_logs", "without_logs", "log_requests")}
                        for t, z in r["sizes"].items()}
    for name in ("kubectl_get", "popeye", "k8sgpt"):
        for suffix, z in (("", full), ("_large", large)):
            if f"{name}_vs_doctor" in z:
                r[f"{name}_vs_doctor{suffix}"] = z[f"{name}_vs_doctor"]
            if f"{name}_vs_doctor_at_least" in z:
                r[f"{name}_vs_doctor{suffix}_at_least"] = z[f"{name}_vs_doctor_at_least"]
    r["doctor_log_requests"] = d["logs"]["log_requests"]
    e = r["exec"]
    r["fanout_nodes"] = e["fanout_nodes"]
    r["fanout_s"] = e["fanout_s"]
    r["fanout_vs_one_node_ratio"] = e["fanout_vs_one_node_ratio"]
    r["fanout_vs_serial_speedup"] = e["fanout_vs_serial_speedup"]
    if e.get("xargs", {}).get("seconds") and e["xargs"]["succeeded"]:
        r["fanout_vs_xargs_speedup"] = round(e["xargs"]["seconds"] / e["fanout_s"], 1)
    c = e.get("cost", {})
    for k in ("requests_per_node", "requests_constant", "cpu_ms_per_node", "cpu_ms_constant"):
        if k in c:
            r[f"fanout_api_{k}" if k.startswith("requests") else f"fanout_{k}"] = c[k]
    r["lint_1000_ms"] = r["lint"]["ms"]
    r["help_ms"] = r["help"]["ms"]
    # A peer killed at a cap took at least that long: a lower bound meets a ">=" goal too.
    r["targets"] = {k: {"target": TARGETS[k][2], "status": verdict(k, r.get(k, r.get(f"{k}_at_least")))[1]}
                    for k in TARGETS}
    plot_svg(out_path("doctor-scaling.svg"), r["sizes"])
    r["plot"] = out_path("doctor-scaling.svg")
    r.setdefault("total_s", round(time.time() - T0, 1))
    with open(out_path("results.json"), "w") as f:
        json.dump(r, f, indent=2)
    text = table(r)
    with open(out_path("results.txt"), "w") as f:
        f.write(text + "\n")
    write_markdown(r)
    print(text)
    print(f"\nresults: {out_path('results.json')}, plot: {r['plot']} (total {r['total_s']:.0f} s)")


def report(path):
    """Summarize a finished run again (nothing is measured): results.json is rewritten in place."""
    with open(path) as f:
        r = json.load(f)
    if "partial" in r:
        sys.exit(f"bench: {path} is a partial run (cut short after {r['partial']['after']}): "
                 "its figures are in the file as measured; there is no summary to recompute")
    # Runs before the plane's start-up time was kept: it is what setup_s has beyond the sizes.
    up = r.get("plane_up_s", r["setup_s"] - sum(
        z["setup"][k] for z in r["sizes"].values() for k in ("nodes_s", "pods_s", "settle_s")))
    summarize(r, {"plane_up_s": round(up, 1)})


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report"]:
        report(sys.argv[2] if len(sys.argv) > 2 else out_path("results.json"))
    else:
        main()

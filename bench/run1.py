#!/usr/bin/env python3
"""Run one command and print, as JSON on stdout: exit code, wall seconds, start time, peak RSS
and CPU time of that process (from wait4), and why it was killed, if it was.

bench.py measures through this small process rather than spawning from its own: on Linux a
child's ru_maxrss starts at the RSS of the process it was forked (or vforked) from, so from the
bench driver, which holds hundreds of MB after creating the cluster, every small command would
show the driver's size.

Usage: run1.py '{"argv": [...], "stdout": path|null, "stderr": path|null, "timeout": s,
                 "rss_cap_mb": n|null}'
"""

import json
import os
import subprocess
import sys
import threading
import time


def main():
    spec = json.loads(sys.argv[1])
    so = open(spec["stdout"], "wb") if spec.get("stdout") else subprocess.DEVNULL
    se = open(spec["stderr"], "wb") if spec.get("stderr") else subprocess.DEVNULL
    timeout, cap = spec.get("timeout") or 900, spec.get("rss_cap_mb")
    killed = {}
    start = time.time()
    t = time.perf_counter()
    p = subprocess.Popen(spec["argv"], stdout=so, stderr=se, stdin=subprocess.DEVNULL)
    done = threading.Event()

    def guard():
        deadline = time.perf_counter() + timeout
        while not done.wait(0.5):
            reason = None
            if time.perf_counter() > deadline:
                reason = f"timeout after {timeout} s"
            elif cap:
                try:
                    with open(f"/proc/{p.pid}/status") as f:
                        kb = int(next(line for line in f if line.startswith("VmRSS")).split()[1])
                except (OSError, StopIteration, ValueError):
                    kb = 0
                if kb > cap * 1024:
                    reason = f"RSS above {cap} MB"
            if reason:
                killed["why"] = reason
                p.kill()
                return

    threading.Thread(target=guard, daemon=True).start()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    done.set()
    json.dump({"rc": os.waitstatus_to_exitcode(status), "wall": wall, "start": start,
               "maxrss_mb": ru.ru_maxrss / 1024.0, "cpu_s": round(ru.ru_utime + ru.ru_stime, 3),
               "killed": killed.get("why")}, sys.stdout)


if __name__ == "__main__":
    main()

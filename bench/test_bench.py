"""Unit tests of bench.py's pure parts: the README table (results.md), the partial results a run
writes after every phase, and `--report` on them. No plane, no binary: `make test` runs these with
`python3 -m unittest discover -s bench`."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def read(path):
    with open(path) as f:
        return f.read()


def size(nodes, pods, doctor_s, rss, requests):
    return {
        "cluster": {"nodes": nodes, "pods": pods, "events": 900, "warning_events": 600},
        "setup": {"seconds_per_1000_pods": 13.8, "nodes_s": 1, "pods_s": 2, "settle_s": 3},
        "plane_memory": {"kube-apiserver": {"rss_mb": 2362.4}, "etcd": {"rss_mb": 366}, "kwok": {"rss_mb": 118}},
        "doctor": {"seconds": doctor_s, "floor_seconds": doctor_s / 1.1, "floor_ratio": 1.1, "peak_rss_mb": rss,
                   "runs": [{"cpu_s": 2.0}, {"cpu_s": 3.0}, {"cpu_s": 4.0}],
                   "requests": {"requests": requests, "by_verb_resource": {"LIST pods": 1, "LIST nodes": 1}}},
        "chunks": {"1000": {"requests": requests, "pod_pages": -(-pods // 1000), "peak_rss_mb": rss, "seconds": doctor_s}},
    }


class MarkdownTest(unittest.TestCase):
    def test_one_column_per_size_above_the_small_one_and_exec_only_at_the_full_size(self):
        r = {"sizes": {"small": size(206, 2014, 0.4, 39.0, 7), "full": size(2006, 20014, 2.5, 61.8, 33),
                       "large": size(5006, 150014, 25.0, 110.2, 179)},
             "exec": {"fanout_nodes": 500, "fanout_s": 10.0, "fanout_cpu_s": 1.5, "xargs": {"seconds": 130.0},
                      "serial_nodes": 20, "serial_s": 12.0, "serial_scaled_s": 300.0,
                      "cost": {"requests_per_node": 3.0, "requests_constant": 16, "cpu_ms_per_node": 2.8,
                               "cpu_ms_constant": 49}},
             "lint": {"ms": 136.0}, "help": {"ms": 2.42}}
        r["sizes"]["full"]["kubectl_get"] = {"seconds": 38.6, "peak_rss_mb": 2839.0}
        r["sizes"]["large"]["kubectl_get"] = {"seconds": 75.6, "peak_rss_mb": 4052.0, "error": "killed at 4000 MB"}
        lines = bench.markdown(r).splitlines()
        self.assertEqual(lines[0], "| measure | 2,006 nodes / 20,014 pods | 5,006 nodes / 150,014 pods | goal |")
        self.assertEqual(lines[1], "|---|---|---|---|")
        rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
        self.assertIn("| 61.8 MB | 110.2 MB | ≤ 120 MB |", rows["doctor peak RSS"])
        self.assertIn("| 2.50 s (CPU 3.00 s) | 25.00 s (CPU 3.00 s) |", rows["`doctor -A -o json --max-logs 0`"])
        self.assertIn("38.60 s, 2839 MB: doctor 15.4× faster |", rows["`kubectl get` (7 kinds) `-A -o json`"])
        self.assertIn("killed at 4000 MB after 75.60 s, 4052 MB: doctor at least 3.0× faster",
                      rows["`kubectl get` (7 kinds) `-A -o json`"])
        self.assertIn("| 10.00 s (plugin CPU 1.50 s) |  |", rows["`exec -l …` over 500 nodes"])
        self.assertIn("fan-out 13.0× faster |  | ≥ 5× |", rows["`xargs -P 16` kubectl run / wait / exec / delete"])
        # Not measured (no logs suite, no popeye in this result): a blank cell, not an error.
        self.assertEqual(rows["popeye `-A`"], "| popeye `-A` |  |  | ≥ 10× |")

    def test_a_result_with_nothing_measured_still_gives_a_table(self):
        lines = bench.markdown({"sizes": {}}).splitlines()
        self.assertEqual(lines[0], "| measure | goal |")
        self.assertTrue(all(line.startswith("| ") for line in lines[2:]))


class PartialTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.saved, bench.OUT = bench.OUT, self.dir.name
        self.addCleanup(setattr, bench, "OUT", self.saved)

    def test_checkpoint_writes_results_marked_partial_and_report_refuses_them(self):
        r = {"sizes": {"full": size(2006, 20014, 2.5, 61.8, 33)}}
        bench.checkpoint(r, "full doctor")
        path = os.path.join(self.dir.name, "results.json")
        saved = json.loads(read(path))
        self.assertEqual(saved["partial"]["after"], "full doctor")
        self.assertEqual(saved["sizes"]["full"]["doctor"]["peak_rss_mb"], 61.8)
        self.assertIn("| 61.8 MB | ≤ 120 MB |", read(os.path.join(self.dir.name, "results.md")))
        with self.assertRaises(SystemExit) as e:
            bench.report(path)
        self.assertIn("partial run (cut short after full doctor)", str(e.exception))


if __name__ == "__main__":
    unittest.main()

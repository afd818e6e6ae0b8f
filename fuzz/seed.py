#!/usr/bin/env python3
"""Seed fuzz/corpus/<target>/ for every fuzz target (`make fuzz-seed-all`).

Byte 0 of each input is the target's selector (see fuzz_targets/*.rs). Sources: fuzz/seeds/,
the manifests in tests/fixtures/real-manifests, the dumps of tests/corpus/*/dump.txt, and
bundles made here from small dumps (.tar.gz and .zip, never committed). Idempotent: files are
named by content, and corpus/ keeps what libFuzzer added.
"""
import gzip
import hashlib
import io
import json
import pathlib
import sys
import tarfile
import zipfile

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
MAX = 1024 * 1024  # -max_len


def put(target, selector, data):
    """One input: the selector byte (None: the target has none), then the data."""
    data = data if selector is None else bytes([selector]) + data
    if len(data) > MAX:
        return 0
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)
    return 1


def targz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def split_dump(text):
    """A cluster-info dump as (JSON lists, log sections): the lists are LIST bodies."""
    dec = json.JSONDecoder()
    i, lists, logs = 0, [], []
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text[i] == "{":
            v, i = dec.raw_decode(text, i)
            lists.append(v)
        else:
            end = text.find("\n{", i)
            end = len(text) if end < 0 else end + 1
            logs.append(text[i:end])
            i = end
    return lists, logs


def main():
    manifests = sorted((FUZZ / "seeds").iterdir()) + sorted((ROOT / "tests/fixtures/real-manifests").glob("*.yaml"))
    dumps = sorted((ROOT / "tests/corpus").glob("*/dump.txt"))
    small = sorted(dumps, key=lambda p: p.stat().st_size)[:4]
    n = {}

    def add(target, selector, data):
        n[target] = n.get(target, 0) + put(target, selector, data)

    # lint: every manifest, once per Context byte.
    for f in manifests:
        for s in range(4):
            add("lint", s, f.read_bytes())
    # dump and doctor: dumps and manifests as text (dump: 0 all namespaces, 4 -n kube-system;
    # doctor: every target mode and scope).
    for f in dumps + manifests:
        for s in (0, 4):
            add("dump", s, f.read_bytes())
        for s in range(8):
            add("doctor", s, f.read_bytes())
    # dump: bundles of small dumps, as a --output-directory tree and as one file.
    for f in small:
        lists, logs = split_dump(f.read_text())
        tree = [("dump/nodes.json", json.dumps(lists[0], indent=4).encode())]
        tree += [(f"dump/ns/{i}.json", json.dumps(v, indent=4).encode()) for i, v in enumerate(lists[1:])]
        tree += [(f"dump/ns/pod-{i}/logs.txt", l.encode()) for i, l in enumerate(logs[:3])]
        one = [("dump.txt", f.read_bytes())]
        for files in (tree, one):
            add("dump", 1, targz(files))
            add("dump", 2, zipped(files))
            add("dump", 5, targz(files))
            add("dump", 6, zipped(files))
    # page: the LIST bodies inside the dumps, with and without paging metadata.
    sel = {"PodList": 0, "EventList": 1, "NodeList": 2, "DaemonSetList": 3}
    for f in dumps:
        lists, _ = split_dump(f.read_text())
        for v in lists:
            if v.get("kind") not in sel:
                continue
            add("page", sel[v["kind"]], json.dumps(v).encode())
            v.setdefault("metadata", {}).update({"continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", "remainingItemCount": 12})
            add("page", sel[v["kind"]] + 4 * 5, json.dumps(v, separators=(",", ":")).encode())
    add("page", 0, b'{"metadata":{"continue":"t","remainingItemCount":9223372036854775807},"items":[]}')
    add("page", 2, b'{"kind":"NodeList","items":null}')
    # duration: the forms the flags take, and edges.
    for d in ["30s", "5m", "1m30s", "250ms", "7", "1.5h", "0s", "0", "", "1h2m3s4ms", "18446744073709551615",
              "99999999999999999999h", "1e9s", ".5s", "5m5", "-1s", "NaNs", "inf"]:
        add("duration", None, d.encode())
    for t, c in sorted(n.items()):
        print(f"fuzz-seed-all: {c} seeds into fuzz/corpus/{t}")


if __name__ == "__main__":
    sys.exit(main())

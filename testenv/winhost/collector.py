"""Stand-in for `# kubectl-hostprocess:collector/1` (src/bundle/collector.ps1) on a fake Windows node.

Answers exactly as the real script answers: the same items in the same order, in the framing of
src/bundle/frame.rs (`@@HP-ITEM <json>` / base64 lines / `@@HP-END`, then `@@HP-DONE <json>`),
batches of 4 items with a time limit each, and the node-side redaction with the rules it reads
from the script it received (the `$RedactRules` block), so the plugin's second pass is tested
separately. Options (`$TailLines = N # option:log_tail_lines`, ...) are read from the script too.

Where each item comes from:
- command outputs (os.json, services.json, containerd/version.txt, hns/*.json, disk.json,
  events/*.json): recorded Windows output in testenv/winhost/recorded/ (see its README for the
  sources): `<flavour>/<item>` (ws2019 / ws2022 / ws2025 from the node name), then `common/<item>`;
- files (containerd/config.toml, cni/*, logs/*): the node's own C:\\ (ctx.host_path), seeded from
  testenv/winhost/seed/C.

Knobs a test plants under $TESTENV_STATE/winhost/nodes/<node>/ (ITEM is an item path such as
`hns/networks.json`, `logs/kubelet.log`, `cni` or `cni/10-flannel.conf`):
- `recorded/ITEM`   replaces the recorded output of a command item on that node
                    (e.g. recorded/faults/hns/networks.json has a leftover `nat` network);
- `fail/ITEM`       the item fails with the file's text as its error;
- `hang/ITEM`       the item hangs (sleeps the number of seconds in the file, default 3600): the
                    collector records `timed out after N s` when its time limit passes;
- `corrupt/ITEM`    the item's header carries a wrong sha256 (the plugin must notice);
- `cut-after`       a number N: the output stops after N items, without `@@HP-DONE`, exit 1;
- `C/...`           the node's C:\\ itself: plant a secret in C/k/kubelet.log, delete a file, ...
"""
import base64
import glob
import hashlib
import json
import os
import re
import shutil
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RECORDED = os.path.join(HERE, "recorded")
MARKER = "[REDACTED]"
PARALLEL = 4
MAX_ITEM_BYTES = 8388608
MAX_CNI_FILES = 20
CONTAINERD_CONFIG = "C:\\Program Files\\containerd\\config.toml"
SERVICES = ["kubelet", "containerd", "kube-proxy", "csi-proxy"]


class ItemError(Exception):
    pass


def options(script):
    def opt(field, default):
        m = re.search(r"^\$\w+ = (\d+) # option:" + field + r"\s*$", script, re.M)
        return int(m.group(1)) if m else default
    return {"tail": opt("log_tail_lines", 2000), "hours": opt("event_hours", 24),
            "timeout": opt("item_timeout_secs", 30)}


def rules(script):
    """The `$RedactRules` block of the script: [(name, compiled pattern)]."""
    out = []
    for m in re.finditer(r"^  @\{ n = '([^']*)'; p = '((?:[^']|'')*)' \}$", script, re.M):
        out.append((m.group(1), re.compile(m.group(2).replace("''", "'"))))
    if not out:
        raise SystemExit("collector stand-in: no $RedactRules block in the script")
    return out


def redact(text, compiled):
    count = 0
    for _name, rx in compiled:
        def repl(m):
            nonlocal count
            value = m.group(2) or ""
            if not value or MARKER in value:
                return m.group(0)
            count += 1
            return (m.group(1) or "") + MARKER + (m.group(3) or "")
        text = rx.sub(repl, text)
    return text, count


def read_text(path):
    """Like the script's Read-Text: BOM detection, UTF-8 otherwise."""
    if not os.path.isfile(path):
        raise ItemError(f"Cannot find path '{win_of(path)}' because it does not exist.")
    size = os.path.getsize(path)
    if size > MAX_ITEM_BYTES:
        raise ItemError(f"{win_of(path)} is {size} bytes, more than the limit of {MAX_ITEM_BYTES}")
    data = open(path, "rb").read()
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, "replace")
    return data.decode("utf-8", "replace")


_DRIVE_ROOT = {}


def win_of(host):
    """The Windows path of a host path under the node's C:\\ (for messages and headers)."""
    root = _DRIVE_ROOT.get("C", "")
    rel = os.path.relpath(host, root) if root and host.startswith(root) else host
    return "C:\\" + rel.replace("/", "\\")


class Node:
    def __init__(self, ctx):
        self.ctx = ctx
        self.root = ctx.root
        _DRIVE_ROOT["C"] = ctx.drive("C")
        name = ctx.node
        self.flavour = next((f for k, f in (("2019", "ws2019"), ("2025", "ws2025")) if k in name), "ws2022")

    def knob(self, kind, item):
        p = os.path.join(self.root, kind, *item.split("/"))
        return p if os.path.isfile(p) else None

    def recorded(self, item):
        for base in (os.path.join(self.root, "recorded"), os.path.join(RECORDED, self.flavour),
                     os.path.join(RECORDED, "common")):
            p = os.path.join(base, *item.split("/"))
            if os.path.isfile(p):
                return open(p, encoding="utf-8", newline="").read()
        return None

    # ---- the items, as the script gathers them ----
    def json_item(self, item, missing):
        text = self.recorded(item)
        if text is None:
            raise ItemError(missing)
        return text.rstrip("\r\n")

    def containerd_version(self):
        text = self.recorded("containerd/version.txt")
        if text is None:
            raise ItemError("containerd.exe not found (C:\\Program Files\\containerd\\containerd.exe)")
        return text.rstrip() + "\n"

    def config(self):
        return read_text(self.ctx.host_path(CONTAINERD_CONFIG))

    def cni(self):
        dirs = []
        cfg = self.ctx.host_path(CONTAINERD_CONFIG)
        if os.path.isfile(cfg):
            m = re.search(r"conf_dir\s*=\s*['\"]([^'\"]+)['\"]", read_text(cfg))
            if m:
                dirs.append(m.group(1).replace("\\\\", "\\"))
        dirs += ["C:\\etc\\cni\\net.d", "C:\\Program Files\\containerd\\cni\\conf"]
        found = next((d for d in dirs if os.path.isdir(self.ctx.host_path(d))), None)
        if not found:
            raise ItemError("no CNI configuration directory (looked in " + ", ".join(dirs) + ")")
        host = self.ctx.host_path(found)
        files = sorted(f for f in os.listdir(host) if os.path.isfile(os.path.join(host, f)))[:MAX_CNI_FILES]
        if not files:
            raise ItemError(f"the CNI configuration directory {found} is empty")
        out = []
        for f in files:
            name = re.sub(r"[^A-Za-z0-9._-]", "_", f)
            if name.startswith("."):
                name = "_" + name
            path = "cni/" + name
            fail = self.knob("fail", path)
            try:
                if fail:
                    raise ItemError(open(fail).read().strip() or "planted failure")
                out.append({"path": path, "text": read_text(os.path.join(host, f))})
            except ItemError as e:
                out.append({"path": path, "error": str(e)})
        return out

    def log(self, svc, tail, hours):
        pats = [f"C:\\k\\{svc}*.log", f"C:\\var\\log\\{svc}\\*.log", f"C:\\var\\log\\{svc}*.log"]
        files = set()
        for p in pats:
            files.update(f for f in glob.glob(self.ctx.host_path(p)) if os.path.isfile(f))
        newest = sorted(files, key=os.path.getmtime, reverse=True)[:3]
        newest.sort(key=os.path.getmtime)
        if newest:
            parts = []
            for f in newest:
                if len(newest) > 1:
                    parts.append(f"==> {win_of(f)} <==\n")
                lines = read_text_any(f).splitlines()[-tail:]
                parts.extend(line + "\n" for line in lines)
            return "".join(parts)
        text = self.recorded(f"eventlog/{svc}.txt")
        if text is None:
            raise ItemError(f"no log file ({', '.join(pats)}) and no Application event log entries from {svc}: "
                            "No events were found that match the specified selection criteria.")
        return "\n".join(text.splitlines()[-tail:]) + "\n"


def read_text_any(path):
    data = open(path, "rb").read()
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, "replace")
    return data.decode("utf-8", "replace")


def jobs(node, opt):
    """(item path, function returning text or [{path, text|error}]) in the script's order."""
    rec = node.json_item
    out = [
        ("os.json", lambda: rec("os.json", "Cannot find path 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'")),
        ("services.json", lambda: node.recorded("services.json").rstrip("\r\n") if node.recorded("services.json") else "[]"),
        ("containerd/version.txt", node.containerd_version),
        ("containerd/config.toml", node.config),
        ("cni", node.cni),
        ("hns/networks.json", lambda: rec("hns/networks.json", "Get-HnsNetwork is not available (no HostNetworkingService module, no C:\\k\\hns.psm1)")),
        ("hns/endpoints.json", lambda: rec("hns/endpoints.json", "Get-HnsNetwork is not available (no HostNetworkingService module, no C:\\k\\hns.psm1)")),
        ("disk.json", lambda: rec("disk.json", "Invalid class \"Win32_LogicalDisk\"")),
    ]
    for svc in SERVICES:
        out.append((f"logs/{svc}.log", lambda s=svc: node.log(s, opt["tail"], opt["hours"])))
    out += [
        ("events/scm.json", lambda: node.recorded("events/scm.json").rstrip("\r\n") if node.recorded("events/scm.json") else "[]"),
        ("events/hyperv-compute.json", lambda: rec("events/hyperv-compute.json",
                                                    "There is not an event log on the localhost computer that matches \"Microsoft-Windows-Hyper-V-Compute-Admin\".")),
    ]
    return out


class Run:
    def __init__(self, node, path, fn):
        self.node, self.path, self.fn = node, path, fn
        self.result = None
        self.clock = time.monotonic()
        self.thread = threading.Thread(target=self.work, daemon=True)
        self.thread.start()

    def work(self):
        try:
            fail = self.node.knob("fail", self.path)
            if fail:
                raise ItemError(open(fail).read().strip() or "planted failure")
            hang = self.node.knob("hang", self.path)
            if hang:
                secs = open(hang).read().strip()
                time.sleep(float(secs) if secs else 3600)
            r = self.fn()
            self.result = r if isinstance(r, list) else [{"path": self.path, "text": r}]
        except ItemError as e:
            self.result = [{"path": self.path, "error": str(e)}]
        except Exception as e:  # a bug in the stand-in shows as an item error, as in the script
            self.result = [{"path": self.path, "error": f"{type(e).__name__}: {e}"}]

    def complete(self, timeout):
        self.thread.join(max(0.0, timeout - (time.monotonic() - self.clock)))
        if self.thread.is_alive():
            return [{"path": self.path, "error": f"timed out after {timeout} s"}], self.ms()
        return self.result, self.ms()

    def ms(self):
        return int((time.monotonic() - self.clock) * 1000)


def frame(node, compiled, rec, ms):
    text, err, red = rec.get("text"), rec.get("error"), 0
    data = b""
    if text is not None:
        text, red = redact(text, compiled)
        if len(text) > MAX_ITEM_BYTES:
            text = text[-MAX_ITEM_BYTES:]
            err = err or f"cut to its last {MAX_ITEM_BYTES} characters"
        data = text.encode("utf-8")
    if err:
        err, n = redact(err, compiled)
        red += n
    sha = hashlib.sha256(data).hexdigest()
    if node.knob("corrupt", rec["path"]):
        sha = hashlib.sha256(data + b"corrupt").hexdigest()
    header = json.dumps({"path": rec["path"], "size": len(data), "sha256": sha, "error": err or None,
                         "redactions": red, "ms": ms}, separators=(",", ":"))
    b64 = base64.b64encode(data).decode()
    lines = [f"@@HP-ITEM {header}"] + [b64[i:i + 76] for i in range(0, len(b64), 76)] + ["@@HP-END"]
    return ("\n".join(lines) + "\n").encode()


def ensure_seed(ctx):
    """Copy the seeded files this stand-in relies on into the node's C:\\ once (files a test deleted
    later stay deleted). The dispatcher seeds a new node's whole C:\\ itself; this covers nodes
    that were seeded before these files existed."""
    marker = os.path.join(ctx.root, ".collector-seeded")
    if os.path.exists(marker):
        return
    src = os.path.join(HERE, "seed", "C")
    for dirpath, _dirs, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        for f in files:
            dst = os.path.join(ctx.drive("C"), rel, f)
            if not os.path.exists(dst):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(os.path.join(dirpath, f), dst)
    with open(marker, "w") as f:
        f.write("seeded\n")


def main(ctx):
    ensure_seed(ctx)
    opt = options(ctx.script)
    compiled = rules(ctx.script)
    node = Node(ctx)
    cut = None
    cut_file = os.path.join(ctx.root, "cut-after")
    if os.path.isfile(cut_file):
        cut = int(open(cut_file).read().strip() or "0")
    out = ctx.stdout
    begin = {"format": "kubectl-hostprocess-collector/1", "node": ctx.node.upper(), "ps": "5.1.20348.2760",
             "itemTimeoutSecs": opt["timeout"]}
    out.write(("@@HP-BEGIN " + json.dumps(begin, separators=(",", ":")) + "\n").encode())
    out.flush()
    clock, count = time.monotonic(), 0
    todo = jobs(node, opt)
    for i in range(0, len(todo), PARALLEL):
        batch = [Run(node, p, fn) for p, fn in todo[i:i + PARALLEL]]
        for run in batch:
            recs, ms = run.complete(opt["timeout"])
            for rec in recs:
                if cut is not None and count >= cut:
                    out.flush()
                    ctx.stderr.write(b"collector stand-in: output cut (cut-after)\n")
                    return 1
                out.write(frame(node, compiled, rec, ms))
                out.flush()
                count += 1
    done = {"items": count, "ms": int((time.monotonic() - clock) * 1000)}
    out.write(("@@HP-DONE " + json.dumps(done, separators=(",", ":")) + "\n").encode())
    out.flush()
    return 0

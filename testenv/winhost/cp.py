"""Stand-in for `# kubectl-hostprocess:cp-get/1` and `cp-put/1` (src/transfer/cp-*.ps1).

Speaks the same stream as the scripts (see src/transfer/codec.rs) on the fake node's own C:\\
(ctx.host_path), so a test can check the bytes on disk under
$TESTENV_STATE/winhost/nodes/<node>/C/... The error texts are those of Windows PowerShell 5.1 /
.NET Framework that the scripts pass on (the inner exception's Message):

- a missing source: the script's own text "Cannot find path '…' because it does not exist."
  (the wording of PowerShell's ItemNotFoundException);
- a missing destination directory: "Could not find a part of the path '…'." (the script's text,
  the wording of .NET's DirectoryNotFoundException);
- a full disk: IOException "There is not enough space on the disk.\\r\\n" (ERROR_DISK_FULL,
  HRESULT 0x80070070; FormatMessage text of Win32 error 112).

Knob: a file `diskfree` in the node's directory ($TESTENV_STATE/winhost/nodes/<node>/diskfree)
holding a byte count: an upload that writes more than that fails as a full disk would.
"""
import base64
import hashlib
import json
import os
import select
import time
import re

CHUNK = 48 * 1024
DISK_FULL = "There is not enough space on the disk.\r\n"


def b64(s):
    return base64.b64encode(s.encode("utf-8")).decode("ascii")


def unb64(s):
    return base64.b64decode(s, validate=True).decode("utf-8")


class Stop(Exception):
    def __init__(self, kind, text):
        super().__init__(text)
        self.kind, self.text = kind, text


def spec_of(script):
    m = re.search(r"FromBase64String\('([A-Za-z0-9+/=]+)'\)", script)
    return json.loads(base64.b64decode(m.group(1)).decode("utf-8"))


def send(ctx, line):
    ctx.stdout.write(line.encode("ascii") + b"\n")


def get(ctx, spec):
    path = spec["path"]
    host = ctx.host_path(path)
    totals = [0, 0]
    if not os.path.exists(host):
        raise Stop("notfound", f"Cannot find path '{path}' because it does not exist.")

    def send_file(full, rel):
        size = os.path.getsize(full)
        send(ctx, f"F {size} {b64(rel)}")
        h, n = hashlib.sha256(), 0
        with open(full, "rb") as f:
            while True:
                data = f.read(CHUNK)
                if not data:
                    break
                h.update(data)
                n += len(data)
                send(ctx, base64.b64encode(data).decode("ascii"))
        send(ctx, f"E {n} {h.hexdigest()}")
        totals[0] += 1
        totals[1] += n

    def send_dir(full, rel, win):
        send(ctx, f"D {b64(rel)}")
        for name in sorted(os.listdir(full), key=str.lower):
            child = os.path.join(full, name)
            if os.path.islink(child) and os.path.isdir(child):
                send(ctx, f"W {b64('skipped ' + win + chr(92) + name + ': a junction or symbolic link')}")
            elif os.path.isdir(child):
                send_dir(child, rel + "/" + name, win + "\\" + name)
            else:
                send_file(child, rel + "/" + name)

    trimmed = path.rstrip("\\/")
    name = re.split(r"[\\/]", trimmed)[-1]
    if os.path.isdir(host):
        if re.fullmatch(r"[A-Za-z]:", name):
            name = name[0]
        send_dir(host, name, trimmed)
    else:
        send_file(host, name)
    send(ctx, f"END {totals[0]} {totals[1]}")


class Disk:
    """The node's free space, when the `diskfree` knob says so."""

    def __init__(self, ctx):
        try:
            with open(os.path.join(ctx.root, "diskfree")) as f:
                self.free = int(f.read().strip())
        except (OSError, ValueError):
            self.free = None

    def write(self, f, data):
        if self.free is not None:
            if len(data) > self.free:
                f.write(data[: self.free])
                self.free = 0
                raise Stop("nospace", DISK_FULL)
            self.free -= len(data)
        f.write(data)


def put(ctx, spec):
    dest, name, is_dir = spec["path"], spec["name"], bool(spec["dir"])
    host = ctx.host_path(dest)
    if os.path.isdir(host):
        target, win = os.path.join(host, name), dest.rstrip("\\/") + "\\" + name
    elif os.path.isfile(host):
        if is_dir:
            raise Stop("conflict", "cannot copy a directory onto the file " + dest)
        target, win = host, dest
    elif dest.endswith(("\\", "/")) or not os.path.isdir(os.path.dirname(host)):
        raise Stop("notfound", f"Could not find a part of the path '{dest}'.")
    else:
        target, win = host, dest
    if is_dir and os.path.isfile(target):
        raise Stop("conflict", "cannot copy a directory onto the file " + win)
    send(ctx, f"READY {b64(win)}")
    ctx.stdout.flush()
    disk = Disk(ctx)

    def place(rel):
        parts = rel.split("/")
        if parts[0] != name or any(c in ("", ".", "..") or re.search(r"[\\/:]", c) for c in parts[1:]):
            raise Stop("corrupt", "unexpected path " + rel)
        return os.path.join(target, *parts[1:])

    files = total = 0
    while True:
        line = ctx.stdin.readline()
        if not line:
            return 1
        f = line.decode("ascii").rstrip("\r\n").split(" ")
        if f[0] == "D":
            p = place(unb64(f[1]))
            if not os.path.isdir(p):
                os.mkdir(p)
        elif f[0] == "F":
            p = place(unb64(f[2]))
            if os.path.isdir(p):
                raise Stop("conflict", p + " is a directory")
            tmp = os.path.join(os.path.dirname(p), "." + os.path.basename(p) + ".khp-partial")
            h, n = hashlib.sha256(), 0
            try:
                with open(tmp, "wb") as out:
                    while True:
                        line = ctx.stdin.readline()
                        if not line:
                            return 1
                        line = line.rstrip(b"\r\n")
                        if line.startswith(b"E "):
                            break
                        try:
                            data = base64.b64decode(line, validate=True)
                        except ValueError:
                            raise Stop("corrupt", "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. ")
                        h.update(data)
                        disk.write(out, data)
                        n += len(data)
                _, size, sha = line.decode("ascii").split(" ")
                if int(size) != n or sha != h.hexdigest():
                    raise Stop("corrupt", f"{p}: received {n} bytes with SHA-256 {h.hexdigest()}, expected {size} bytes with SHA-256 {sha}")
                os.replace(tmp, p)
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
            send(ctx, f"OK {n} {h.hexdigest()}")
            ctx.stdout.flush()
            files += 1
            total += n
        elif f[0] == "END":
            send(ctx, f"END {files} {total}")
            return 0
        else:
            raise Stop("corrupt", "unexpected line")


def main(ctx):
    spec = spec_of(ctx.script)
    send(ctx, "KHP-CP/1")
    try:
        if ctx.name == "cp-get":
            get(ctx, spec)
            return 0
        return put(ctx, spec)
    except Stop as e:
        send(ctx, f"ERR {e.kind} {b64(e.text)}")
        if ctx.name == "cp-put":
            # As cp-put.ps1: drop stdin until the plugin ends the stream (see Stop-Copy there).
            # kwok does not close an exec's stdin when the stream goes away (a real node kills
            # the pod's processes): stop after 30 s of it.
            fd = ctx.stdin.fileno()
            deadline = time.monotonic() + 30
            while (left := deadline - time.monotonic()) > 0:
                if not select.select([fd], [], [], left)[0] or not os.read(fd, 65536):
                    break
        return 1

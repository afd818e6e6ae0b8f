#!/usr/bin/env python3
"""testenv stand-in for the plugin's own PowerShell scripts on a fake Windows node.

No PowerShell runs here. The `powershell` shim (testenv/up.sh) sends a script whose first line is
`# kubectl-hostprocess:NAME[/VERSION]` to this dispatcher instead of `sh -c`; every other script
still runs as sh. The dispatcher finds which fake node the exec'd pod is bound to (kwok's exec is
patched to pass KWOK_EXEC_POD_NAME / KWOK_EXEC_POD_NAMESPACE, see kwok-exit-code.patch), gives
that node a `C:\\` of its own under $TESTENV_STATE/winhost/nodes/<node>/C (seeded once from
testenv/winhost/seed/C), and calls `main(ctx)` of the handler module NAME.py. The handler answers
the script the way the real script answers on Windows (recorded output, see each handler).

Handlers are looked up in the directories listed in $TESTENV_STATE/winhost/handlers.path (one per
line; a development hook) and then next to this file. This is test-environment code only: the
plugin never parses anything that only these stand-ins produce.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = "# kubectl-hostprocess:"


class Context:
    """What a handler gets: the node, its drives, the script, and binary stdio."""

    def __init__(self, state, node, script, name, version):
        self.state = state
        self.node = node
        self.script = script
        self.name = name
        self.version = version
        self.root = os.path.join(state, "winhost", "nodes", node)
        self.stdin = sys.stdin.buffer
        self.stdout = sys.stdout.buffer
        self.stderr = sys.stderr.buffer
        self.here = HERE

    def drive(self, letter="C"):
        """The host directory standing in for drive LETTER: of this node."""
        return os.path.join(self.root, letter.upper())

    def host_path(self, win_path):
        """Map a Windows path (`C:\\k\\kubelet.log`, `c:/k`, `\\\\?\\C:\\x`) onto this node's drive
        directory. A path without a drive letter is taken as relative to C:\\."""
        p = win_path.replace("/", "\\")
        if p.startswith("\\\\?\\"):
            p = p[4:]
        letter = "C"
        if len(p) >= 2 and p[1] == ":" and p[0].isalpha():
            letter, p = p[0], p[2:]
        parts = [s for s in p.split("\\") if s not in ("", ".")]
        out = []
        for s in parts:
            if s == "..":
                if out:
                    out.pop()
            else:
                out.append(s)
        return os.path.join(self.drive(letter), *out)


def node_of_pod(state, namespace, pod):
    cache = os.path.join(state, "winhost", "pods", f"{namespace}.{pod}")
    try:
        with open(cache) as f:
            return f.read().strip()
    except OSError:
        pass
    kubectl = os.environ.get("TESTENV_KUBECTL") or shutil.which("kubectl") or "/usr/bin/kubectl"
    out = subprocess.run(
        [kubectl, "--kubeconfig", os.path.join(state, "admin.kubeconfig"), "get", "pod", "-n", namespace, pod,
         "-o", "jsonpath={.spec.nodeName}"],
        capture_output=True, text=True, timeout=30)
    node = out.stdout.strip()
    if out.returncode != 0 or not node:
        raise SystemExit(f"testenv winhost: cannot find the node of pod {namespace}/{pod}: {out.stderr.strip()}")
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache, "w") as f:
        f.write(node)
    return node


def end_with_pod(state, namespace, pod):
    """A real node kills a pod's processes when the pod is deleted; kwok leaves an exec'd command
    running (and never closes its stdin). Stand in for the node: end this process once its pod
    is gone."""
    kubectl = os.environ.get("TESTENV_KUBECTL") or shutil.which("kubectl") or "/usr/bin/kubectl"

    def watch():
        while True:
            time.sleep(5)
            out = subprocess.run(
                [kubectl, "--kubeconfig", os.path.join(state, "admin.kubeconfig"), "get", "pod", "-n", namespace,
                 pod, "-o", "name", "--ignore-not-found"],
                capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and not out.stdout.strip():
                os._exit(137)

    threading.Thread(target=watch, daemon=True).start()


def seed(ctx):
    """Give the node its own C:\\ the first time it is used."""
    if os.path.isdir(ctx.drive("C")):
        return
    src = os.path.join(HERE, "seed", "C")
    tmp = ctx.drive("C") + f".tmp{os.getpid()}"
    if os.path.isdir(src):
        shutil.copytree(src, tmp, symlinks=True)
    else:
        os.makedirs(tmp)
    try:
        os.rename(tmp, ctx.drive("C"))
    except OSError:  # another exec seeded it first
        shutil.rmtree(tmp, ignore_errors=True)


def handler(state, name):
    dirs = []
    try:
        with open(os.path.join(state, "winhost", "handlers.path")) as f:
            dirs = [line.strip() for line in f if line.strip()]
    except OSError:
        pass
    for d in dirs + [HERE]:
        path = os.path.join(d, f"{name}.py")
        if os.path.isfile(path):
            spec = importlib.util.spec_from_file_location(f"winhost_{name}", path)
            mod = importlib.util.module_from_spec(spec)
            sys.path.insert(0, d)
            spec.loader.exec_module(mod)
            return mod
    return None


def main():
    script = sys.argv[1]
    state = os.environ.get("TESTENV_STATE", "/tmp/kubectl-hostprocess-testenv")
    first = script.lstrip("\ufeff").split("\n", 1)[0].strip()
    ident = first[len(MARKER):].strip()
    name, _, version = ident.partition("/")
    pod, ns = os.environ.get("KWOK_EXEC_POD_NAME"), os.environ.get("KWOK_EXEC_POD_NAMESPACE")
    if not pod or not ns:
        sys.stderr.write("testenv winhost: KWOK_EXEC_POD_NAME is not set (kwok without the testenv patch?)\n")
        return 126
    mod = handler(state, name)
    if mod is None:
        sys.stderr.write(f"testenv winhost: no stand-in for script {name!r}\n")
        return 127
    ctx = Context(state, node_of_pod(state, ns, pod), script, name, version)
    end_with_pod(state, ns, pod)
    seed(ctx)
    rc = mod.main(ctx)
    sys.stdout.flush()
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PowerShell syntax check of the scripts the plugin sends to nodes (`make ps-check`, CI).

Parses every `src/**/*.ps1` with tree-sitter's PowerShell grammar; a tree with an ERROR or MISSING
node is a syntax error, printed as FILE:LINE:COLUMN with the line. Also checks the first line is
`# kubectl-hostprocess:NAME/VERSION` (what the testenv dispatcher and the plugin rely on).
No PowerShell is needed. tree-sitter and tree-sitter-powershell are installed with pip into
target/ps-check-py the first time (pinned below), so a fresh machine needs only python3 + pip.
"""
import glob
import importlib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY_DIR = os.path.join(ROOT, "target", "ps-check-py")
PINS = ["tree-sitter==0.26.1", "tree-sitter-powershell==0.26.4"]
IDENT = re.compile(r"^# kubectl-hostprocess:[a-z0-9-]+/[0-9]+$")


def load():
    sys.path.insert(0, PY_DIR)
    try:
        import tree_sitter  # noqa: F401
        import tree_sitter_powershell  # noqa: F401
    except ImportError:
        print(f"ps-check: installing {' '.join(PINS)} into {os.path.relpath(PY_DIR, ROOT)}", file=sys.stderr)
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", PY_DIR, *PINS]
        # --target writes only into PY_DIR; an "externally managed" system Python (PEP 668) still
        # refuses it on some pip versions, hence the second try.
        if subprocess.run(cmd).returncode != 0 and subprocess.run(cmd + ["--break-system-packages"]).returncode != 0:
            sys.exit("ps-check: could not pip-install " + " ".join(PINS)
                     + "\nhint: install pip for this python3 (e.g. apt-get install python3-pip) and retry")
        # The failed import above cached PY_DIR as a path with no finder (it did not exist yet):
        # forget that, or the import below fails on a fresh machine although the install worked.
        sys.path_importer_cache.pop(PY_DIR, None)
        importlib.invalidate_caches()
    import tree_sitter
    import tree_sitter_powershell
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def problems(tree):
    """(line, column, kind) of each ERROR / MISSING node."""
    out, stack = [], [tree.root_node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            kind = f"missing {n.type}" if n.is_missing else "syntax error"
            out.append((n.start_point[0] + 1, n.start_point[1] + 1, kind))
            continue
        if n.has_error:
            stack.extend(n.children)
    return sorted(out)


def check(parser, path):
    src = open(path, "rb").read()
    lines = src.decode("utf-8", "replace").splitlines()
    rel = os.path.relpath(path, ROOT)
    bad = []
    if not lines or not IDENT.match(lines[0].lstrip("\ufeff")):
        bad.append(f"{rel}:1:1: the first line must be '# kubectl-hostprocess:NAME/VERSION'")
    for line, col, kind in problems(parser.parse(src)):
        text = lines[line - 1] if line <= len(lines) else ""
        bad.append(f"{rel}:{line}:{col}: {kind}\n    {text.strip()}")
    return bad


def main(argv):
    parser = load()
    # The check must be able to fail: a broken script has to produce an error node.
    if not problems(parser.parse(b"if ($a) { $b = @(1, 2\n")):
        print("ps-check: the PowerShell grammar reported no error for a broken script", file=sys.stderr)
        return 1
    files = argv or sorted(glob.glob(os.path.join(ROOT, "src", "**", "*.ps1"), recursive=True))
    if not files:
        print("ps-check: no .ps1 files under src/", file=sys.stderr)
        return 1
    failed = 0
    for f in files:
        bad = check(parser, f)
        for b in bad:
            print(b)
        failed += bool(bad)
    print(f"ps-check: {len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

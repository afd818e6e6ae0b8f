#!/usr/bin/env python3
"""Pack a release archive of kubectl-hostprocess, as `make dist` and the release workflow do.

    krew/pack.py [--target TRIPLE] [--bin PATH] [--os OS --arch ARCH] [--out DIR]

Writes DIR/kubectl-hostprocess_v{VERSION}_{os}_{arch}.tar.gz (.zip for windows) holding the
binary (kubectl-hostprocess, or kubectl-hostprocess.exe on windows), LICENSE and README.md at
the archive root, plus the archive's .sha256 (sha256sum format). VERSION comes from Cargo.toml.
os/arch come from --target (a Rust target triple; default: rustc's host), unless --os/--arch
override them. The binary defaults to target/[TRIPLE/]release/kubectl-hostprocess[.exe].
Archives are reproducible: fixed owner and modes, file times = SOURCE_DATE_EPOCH, else the time
of the HEAD commit. Standard library only (runs on the Linux, macOS and Windows runners).
"""

import argparse
import gzip
import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
import time
import zipfile

NAME = "kubectl-hostprocess"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OS_OF = {"linux": "linux", "apple-darwin": "darwin", "windows": "windows"}
ARCH_OF = {"x86_64": "amd64", "aarch64": "arm64"}


def die(msg):
    print(f"pack.py: {msg}", file=sys.stderr)
    sys.exit(1)


def cargo_version():
    text = open(os.path.join(ROOT, "Cargo.toml"), encoding="utf-8").read()
    package = re.search(r"^\[package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    version = package and re.search(r'^version\s*=\s*"([^"]+)"', package.group(1), re.M)
    if not version:
        die("no [package] version in Cargo.toml")
    return version.group(1)


def host_triple():
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    return re.search(r"^host: (\S+)", out, re.M).group(1)


def os_arch(triple):
    arch = ARCH_OF.get(triple.split("-")[0])
    os_ = next((v for k, v in OS_OF.items() if k in triple), None)
    if not arch or not os_:
        die(f"no Krew platform for target {triple} (supported: x86_64/aarch64 linux, darwin, windows)")
    return os_, arch


def source_date():
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return int(time.time())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", help="Rust target triple (default: the host's)")
    ap.add_argument("--bin", help="the built binary (default: from --target)")
    ap.add_argument("--os", dest="os_", choices=["linux", "darwin", "windows"])
    ap.add_argument("--arch", choices=["amd64", "arm64"])
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "dist"))
    args = ap.parse_args()

    version = cargo_version()
    triple = args.target or host_triple()
    os_, arch = os_arch(triple)
    os_, arch = args.os_ or os_, args.arch or arch
    exe = ".exe" if os_ == "windows" else ""
    binary = args.bin or os.path.join(
        ROOT, "target", *([args.target] if args.target else []), "release",
        NAME + (".exe" if "windows" in triple else ""))
    if not os.path.isfile(binary):
        die(f"{binary} not found (build it first: cargo build --release"
            f"{' --target ' + args.target if args.target else ''})")

    members = [  # (name in the archive, path, mode)
        (NAME + exe, binary, 0o755),
        ("LICENSE", os.path.join(ROOT, "LICENSE"), 0o644),
        ("README.md", os.path.join(ROOT, "README.md"), 0o644),
    ]
    mtime = max(source_date(), 315532800)  # zip cannot store times before 1980
    os.makedirs(args.out, exist_ok=True)
    archive = os.path.join(args.out, f"{NAME}_v{version}_{os_}_{arch}." + ("zip" if os_ == "windows" else "tar.gz"))

    buf = io.BytesIO()
    if os_ == "windows":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            for name, path, mode in members:
                info = zipfile.ZipInfo(name, time.gmtime(mtime)[:6])
                info.create_system = 3  # unix, so the mode below is kept
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as f:
                    z.writestr(info, f.read())
    else:
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name, path, mode in members:
                    info = tarfile.TarInfo(name)
                    info.size, info.mode, info.mtime = os.path.getsize(path), mode, mtime
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
    data = buf.getvalue()
    with open(archive, "wb") as f:
        f.write(data)
    digest = hashlib.sha256(data).hexdigest()
    with open(archive + ".sha256", "w", encoding="ascii", newline="\n") as f:
        f.write(f"{digest}  {os.path.basename(archive)}\n")

    print(f"binary  {binary}: {os.path.getsize(binary)} bytes ({os.path.getsize(binary) / 2**20:.1f} MiB)")
    print(f"archive {archive}: {len(data)} bytes ({len(data) / 2**20:.1f} MiB)")
    print(f"sha256  {digest}")


if __name__ == "__main__":
    main()

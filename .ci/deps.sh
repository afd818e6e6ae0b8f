#!/usr/bin/env bash
# Install what the tests need that a fresh machine of this kind may lack. Rust (cargo, rustfmt,
# clippy) and Go come with the machine; everything else is installed here.
set -euo pipefail
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v script >/dev/null || missing+=(bsdutils)
command -v sha256sum >/dev/null || missing+=(coreutils)
command -v python3 >/dev/null || missing+=(python3)
# make ps-check pip-installs the PowerShell grammar (tree-sitter-powershell) into target/.
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
# Clippy for the Windows target: ring compiles C for it even in `cargo clippy`.
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
  echo "ci: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "ci: Go is required (the testenv builds Kubernetes from the Go module proxy)" >&2; exit 1; }
command -v cargo >/dev/null || { echo "ci: Rust is required" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy 2>/dev/null || true
rustup target list --installed 2>/dev/null | grep -q x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
command -v kubectl >/dev/null || { echo "ci: kubectl is required (the machine image ships it); the e2e tests drive the plugin through it" >&2; exit 1; }

#!/usr/bin/env bash
# The main job on a fresh machine: build the plugin, bring up the local control plane with
# simulated Windows nodes and the stuck-HostProcess scenarios, then ask the doctor.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
export PATH="$PWD/target/release:$PATH"
kc=$(bash testenv/up.sh | tail -n 1)
eval "$kc"
echo "+ kubectl hostprocess nodes" >&2
kubectl hostprocess nodes || true
echo >&2
echo "+ kubectl hostprocess doctor -A" >&2
kubectl hostprocess doctor -A || true
echo >&2
echo "The cluster keeps running; stop it with: make testenv-down" >&2

#!/usr/bin/env bash
# Build k8sgpt (a peer of `doctor`: `k8sgpt analyze` without an AI backend) into the testenv cache
# bin dir, once.
#   k8sgpt.sh            prints the binary's path on stdout, or fails with the reason on stderr
# As for popeye (bench/popeye.sh): proxy.golang.org answers 403 "This module version is not
# available" for the version list (@v/list) of github.com/k8sgpt-ai/k8sgpt, so neither @latest nor
# `go install` works; a pinned version's .info/.zip are served for some versions only (checked
# 2026-12: v0.4.0 and v0.3.50 are, v0.4.1-v0.4.27 and v0.3.51 are not). So: download that module
# and build it inside the module cache, resolving its dependencies through the proxy. The checksum
# database (sum.golang.org, through the same proxy) answers 404 for k8sgpt itself, so that one
# module is fetched with GONOSUMDB (its h1: hash is printed to the build log); every dependency is
# still checked against k8sgpt's own go.sum.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=testenv/lib.sh
. "$here/testenv/lib.sh"
version=${K8SGPT_VERSION:-v0.4.0}
bin=$TESTENV_BIN/k8sgpt-$version
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "k8sgpt: go is not installed" >&2; exit 1; }
mkdir -p "$TESTENV_BIN"
log "building k8sgpt $version (once; cached in $TESTENV_BIN; several minutes)"
dir=$(GONOSUMDB=github.com/k8sgpt-ai/k8sgpt go mod download -json "github.com/k8sgpt-ai/k8sgpt@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || true
[ -n "$dir" ] && [ -d "$dir" ] || {
  echo "k8sgpt: proxy.golang.org does not serve github.com/k8sgpt-ai/k8sgpt@$version" >&2; exit 1; }
log "k8sgpt module at $dir"
if ! (cd "$dir" && go build -trimpath -o "$bin.tmp" .) >"$TESTENV_BIN/k8sgpt-$version.build.log" 2>&1; then
  echo "k8sgpt: go build failed: $(grep -m1 -E 'error|denied|403|not available' "$TESTENV_BIN/k8sgpt-$version.build.log" || tail -n1 "$TESTENV_BIN/k8sgpt-$version.build.log")" >&2
  exit 1
fi
mv "$bin.tmp" "$bin"
echo "$bin"

#!/usr/bin/env bash
# Build popeye (the comparison point for `doctor`) into the testenv cache bin dir, once.
#   popeye.sh            prints the binary's path on stdout, or fails with the reason on stderr
# `go install github.com/derailed/popeye@latest` cannot work through proxy.golang.org here: the
# proxy answers 403 "This module version is not available" for the module's version list
# (@v/list), which both @latest and go install's deprecation check read. A pinned version's
# .info/.zip are served, so: download that module and build it inside the module cache.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=testenv/lib.sh
. "$here/testenv/lib.sh"
version=${POPEYE_VERSION:-v0.22.1}
bin=$TESTENV_BIN/popeye-$version
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "popeye: go is not installed" >&2; exit 1; }
mkdir -p "$TESTENV_BIN"
log "building popeye $version (once; cached in $TESTENV_BIN)"
dir=$(go mod download -json "github.com/derailed/popeye@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] && [ -d "$dir" ] || { echo "popeye: could not download github.com/derailed/popeye@$version" >&2; exit 1; }
(cd "$dir" && go build -trimpath -o "$bin.tmp" .) >&2
mv "$bin.tmp" "$bin"
echo "$bin"

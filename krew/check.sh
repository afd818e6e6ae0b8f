#!/usr/bin/env bash
# `make krew-check` (after `make dist`): check the Krew manifest and the release archives offline.
#  1. .krew.yaml is what `krew/render.sh --krew-release-bot` generates from the template.
#  2. The manifest for the local archive passes validate-krew-manifest -skip-install, and a real
#     `kubectl krew install --manifest --archive` into a temporary KREW_ROOT gives a plugin that
#     kubectl finds and runs (`kubectl hostprocess --version` = the Cargo version); uninstall.
#  3. Stand-in archives for all six platforms (the local binary, renamed .exe for windows; never
#     run): the full manifest passes validate-krew-manifest, once with -skip-install and once
#     without, served from a local HTTP server, which installs every platform with
#     KREW_OS/KREW_ARCH and checks the LICENSE is extracted; then an explicit windows/amd64
#     install and uninstall from the zip.
#  4. .krew.yaml rendered the way krew-release-bot does (krew/botrender.go) equals the manifest
#     krew/render.sh gives for the same archives, and validates.
# Work files go to target/krew-check (recreated on every run); temporary KREW_ROOTs are removed.
# shellcheck disable=SC2030,SC2031  # PATH/KREW_* are set per install, in subshells, on purpose
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=testenv/lib.sh
. testenv/lib.sh

step() { printf '== krew-check: %s\n' "$*" >&2; }
fail() { printf 'krew-check: FAIL: %s\n' "$*" >&2; exit 1; }

version=$(awk '/^\[/ { pkg = ($0 == "[package]") } pkg && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' Cargo.toml)
[ -n "$version" ] || fail "no version in Cargo.toml"
case $(uname -s) in Linux) os=linux ;; Darwin) os=darwin ;; *) fail "run krew-check on Linux or macOS" ;; esac
case $(uname -m) in x86_64|amd64) arch=amd64 ;; aarch64|arm64) arch=arm64 ;; *) fail "unsupported arch $(uname -m)" ;; esac
archive=target/dist/kubectl-hostprocess_v${version}_${os}_${arch}.tar.gz
[ -f "$archive" ] || fail "$archive missing (run make dist)"

if [ ! -x "$TESTENV_BIN/krew" ] || [ ! -x "$TESTENV_BIN/validate-krew-manifest" ]; then
  step "building krew (bash testenv/build.sh)"
  bash testenv/build.sh >/dev/null
fi
kubectl=$(testenv_kubectl)
[ -x "$kubectl" ] || fail "kubectl not found"
export KREW_NO_UPGRADE_CHECK=1
# The krew plugin (kubectl-krew) and kubectl itself; each KREW_ROOT's bin goes in front per install.
base_path="$TESTENV_BIN:$(dirname "$kubectl"):$PATH"
validate() { "$TESTENV_BIN/validate-krew-manifest" -manifest "$@"; }

W=$PWD/target/krew-check
rm -rf "$W"; mkdir -p "$W/local" "$W/all" "$W/served" "$W/bot"
roots=() server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  [ ${#roots[@]} -eq 0 ] || rm -rf "${roots[@]}"
}
trap cleanup EXIT
# A temporary KREW_ROOT. Its default index is an empty git repository: the offline stand-in for
# `kubectl krew update`, without which krew 0.4.3 refuses `list` and `uninstall`.
# Sets KREW_ROOT (not in a $(…) subshell, so that cleanup sees it in roots).
new_root() {
  KREW_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/krew-root.XXXXXX"); roots+=("$KREW_ROOT")
  git init -q "$KREW_ROOT/index/default"
}

step ".krew.yaml is up to date"
diff -u .krew.yaml <(bash krew/render.sh --krew-release-bot) ||
  fail ".krew.yaml is stale: bash krew/render.sh --krew-release-bot > .krew.yaml"

step "manifest for $(basename "$archive"): validate-krew-manifest -skip-install"
bash krew/render.sh --local "$version" "$archive" > "$W/local/hostprocess.yaml"
validate "$W/local/hostprocess.yaml" -skip-install

step "kubectl krew install --manifest --archive (KREW_ROOT in a temp dir)"
new_root
(
  export KREW_ROOT PATH="$KREW_ROOT/bin:$base_path"
  kubectl krew install --manifest="$W/local/hostprocess.yaml" --archive="$archive"
  [ "$(command -v kubectl-hostprocess)" = "$KREW_ROOT/bin/kubectl-hostprocess" ] ||
    fail "kubectl-hostprocess on PATH is $(command -v kubectl-hostprocess), not krew's"
  [ -f "$KREW_ROOT/store/hostprocess/v$version/LICENSE" ] || fail "LICENSE not installed"
  kubectl krew list | grep -q 'hostprocess$' || fail "kubectl krew list does not show hostprocess"
  out=$(kubectl hostprocess --version)
  echo "kubectl hostprocess --version: $out" >&2
  [[ $out == *" $version" ]] || fail "--version printed '$out', expected $version"
  kubectl krew uninstall hostprocess
  if [ -e "$KREW_ROOT/bin/kubectl-hostprocess" ] || [ -e "$KREW_ROOT/store/hostprocess" ]; then
    fail "uninstall left files behind"
  fi
)

step "stand-in archives for the six platforms (files only)"
bin=target/release/kubectl-hostprocess
for p in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
  python3 krew/pack.py --bin "$bin" --os "${p%/*}" --arch "${p#*/}" --out "$W/all" | grep '^archive' >&2
done
all=("$W"/all/*.tar.gz "$W"/all/*.zip)
bash krew/render.sh "$version" "${all[@]}" > "$W/all/hostprocess.yaml"
validate "$W/all/hostprocess.yaml" -skip-install

step "validate-krew-manifest with installs of every platform, from a local HTTP server"
python3 -c '
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
h.func.log_message = lambda *a: None
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()' "$W/all" "$W/served/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$W/served/port" ] && break; sleep 0.1; done
[ -s "$W/served/port" ] || fail "local HTTP server did not start"
bash krew/render.sh --base-url "http://127.0.0.1:$(cat "$W/served/port")" "$version" "${all[@]}" \
  > "$W/served/hostprocess.yaml"
# validate-krew-manifest runs `kubectl krew install` per platform with only KREW_ROOT, KREW_OS,
# KREW_ARCH and PATH set.
PATH="$base_path" validate "$W/served/hostprocess.yaml"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=

step "windows/amd64 entry: KREW_OS=windows KREW_ARCH=amd64 install from the zip (not run)"
zip=$W/all/kubectl-hostprocess_v${version}_windows_amd64.zip
new_root
(
  export KREW_ROOT KREW_OS=windows KREW_ARCH=amd64 PATH="$KREW_ROOT/bin:$base_path"
  kubectl krew install --manifest="$W/all/hostprocess.yaml" --archive="$zip"
  store=$KREW_ROOT/store/hostprocess/v$version
  for f in kubectl-hostprocess.exe LICENSE; do [ -f "$store/$f" ] || fail "$f not installed"; done
  [ "$(readlink "$KREW_ROOT/bin/kubectl-hostprocess.exe")" = "$store/kubectl-hostprocess.exe" ] ||
    fail "bin/kubectl-hostprocess.exe does not point at the installed .exe"
  kubectl krew list | grep -q 'hostprocess$' || fail "kubectl krew list does not show hostprocess"
  kubectl krew uninstall hostprocess
  if [ -e "$KREW_ROOT/bin/kubectl-hostprocess.exe" ] || [ -e "$store" ]; then
    fail "uninstall left files behind"
  fi
)

step ".krew.yaml rendered like krew-release-bot (krew/botrender.go) = krew/render.sh's manifest"
GOTOOLCHAIN=local GOFLAGS='' go run krew/botrender.go .krew.yaml "v$version" "$W/all" > "$W/bot/hostprocess.yaml"
diff -u "$W/all/hostprocess.yaml" "$W/bot/hostprocess.yaml" || fail ".krew.yaml and render.sh disagree"
validate "$W/bot/hostprocess.yaml" -skip-install

step "OK: $(basename "$archive") ($(wc -c < "$archive") bytes), manifest v$version"

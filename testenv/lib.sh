# Shared by the testenv scripts: versions, cache paths, ports, logging.
# shellcheck shell=bash disable=SC2034
_testenv_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=testenv/versions.env
. "$_testenv_dir/versions.env"
TESTENV_KEY="k8s${K8S_VERSION}-etcd${ETCD_VERSION#v}-kwok${KWOK_VERSION#v}-krew${KREW_VERSION#v}"
TESTENV_CACHE="${TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-hostprocess/testenv/$TESTENV_KEY}"
TESTENV_BIN="$TESTENV_CACHE/bin"
TESTENV_SRC="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-hostprocess/testenv/src"
# kwok is built from its module source with kwok-exit-code.patch applied (exec exit codes as a real
# kubelet sends them). The patch has its own key, so changing it rebuilds kwok alone: the binary is
# $TESTENV_BIN/kwok-p<first 12 hex of the patch's sha256>. Its name starts with "$TESTENV_BIN/kwok",
# so pid_alive kwok also matches a plane started with an older kwok build (down.sh stops it).
KWOK_PATCH="$_testenv_dir/kwok-exit-code.patch"
KWOK_PATCH_KEY=$(sha256sum "$KWOK_PATCH" | cut -c1-12)
KWOK_BIN="$TESTENV_BIN/kwok-p$KWOK_PATCH_KEY"
# Runtime state of the running plane. One per machine by default.
TESTENV_STATE="${TESTENV_STATE:-${TMPDIR:-/tmp}/kubectl-hostprocess-testenv}"
ETCD_PORT=${ETCD_PORT:-23790}
ETCD_PEER_PORT=${ETCD_PEER_PORT:-23800}
APISERVER_PORT=${APISERVER_PORT:-16443}
KWOK_PORT=${KWOK_PORT:-10250}
KCM_PORT=${KCM_PORT:-10257}
SCHED_PORT=${SCHED_PORT:-10259}

log() { printf 'testenv: %s\n' "$*" >&2; }
die() { printf 'testenv: error: %s\n' "$1" >&2; [ -n "${2:-}" ] && printf 'hint: %s\n' "$2" >&2; exit 1; }

# ---- process helpers (used by up.sh / down.sh / status.sh) ------------------------------------
# pid recorded for component $1, if its pid file exists.
pid_of() { [ -f "$TESTENV_STATE/$1.pid" ] && tr -dc '0-9' <"$TESTENV_STATE/$1.pid"; }
# True if component $1's recorded pid is alive and still runs that component's binary
# (guards against pid reuse; the pid comes from the pid file, never from a name search).
pid_alive() {
  local pid
  pid=$(pid_of "$1") || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$TESTENV_BIN/$1" 2>/dev/null
}
# Start component $1 (binary $2, args...) detached in its own session; log and pid in $TESTENV_STATE.
start() {
  local name=$1; shift
  log "starting $name"
  setsid "$@" >"$TESTENV_STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$TESTENV_STATE/$name.pid"
}
# True while process $1 exists and has not exited (a zombie has). Unlike pid_alive it does not ask
# for a component's binary: just after `start` the pid can still be the forked shell (on a busy
# machine wait_for took that for a crash, with an empty log).
running() { [ -r "/proc/$1/stat" ] && ! awk '{exit ($3 == "Z") ? 0 : 1}' "/proc/$1/stat" 2>/dev/null; }
# wait_for NAME SECONDS CMD...: poll CMD every 0.5 s; on timeout or if NAME died, print the tail of
# NAME's log and fail.
wait_for() {
  local name=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ! running "$(pid_of "$name")"; then
      log "$name exited during startup; last lines of $TESTENV_STATE/$name.log:"
      tail -n 40 "$TESTENV_STATE/$name.log" >&2 || true
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name not ready after ${secs}s; last lines of $TESTENV_STATE/$name.log:"
      tail -n 40 "$TESTENV_STATE/$name.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  log "$name ready"
}
# True if something listens on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# First non-loopback IPv4 address of this host, else 127.0.0.1.
advertise_address() {
  local ip
  ip=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.' | head -n1 || true)
  echo "${ip:-127.0.0.1}"
}
# kubectl to use: $KUBECTL, else /usr/bin/kubectl, else the one on PATH.
testenv_kubectl() {
  if [ -n "${KUBECTL:-}" ]; then echo "$KUBECTL"
  elif [ -x /usr/bin/kubectl ]; then echo /usr/bin/kubectl
  else command -v kubectl
  fi
}

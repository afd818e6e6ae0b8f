#!/usr/bin/env bash
# Create fake nodes managed by kwok (annotation kwok.x-k8s.io/node=fake) and wait until they are Ready.
#
#   nodes.sh                      the default cluster: win-2019-a, win-2022-a (tainted os=windows:NoSchedule),
#                                 win-2022-b, win-2025-a, linux-a
#   nodes.sh COUNT [--prefix P]   COUNT Windows nodes named P-00001.. (default prefix "win"), rotating
#                                 WS2019/WS2022/WS2025; every 4th one tainted os=windows:NoSchedule
#   nodes.sh --node NAME --build 17763|20348|26100 [--runtime containerd://X] [--taint] [--label k=v]...
#                                 one custom Windows node (used by scenarios, e.g. win-old-runtime)
#
# All nodes of one call go into one multi-document YAML applied with a single server-side apply.
# Uses $KUBECONFIG if set, else $TESTENV_STATE/admin.kubeconfig. --dry-run prints the YAML instead.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/lib.sh
. "$here/lib.sh"

KUBECTL=$(testenv_kubectl) || die "kubectl not found"
export KUBECONFIG=${KUBECONFIG:-$TESTENV_STATE/admin.kubeconfig}
KUBELET_VERSION=v$K8S_VERSION

count="" prefix=win node="" build="" runtime="" taint=0 dry=0 labels=()
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    --taint) taint=1; shift ;;
    --label) labels+=("$2"); shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    [0-9]*) count=$1; shift ;;
    *) die "unknown argument: $1" "see: bash testenv/nodes.sh --help" ;;
  esac
done

# windows_facts BUILD -> "osImage kernelVersion defaultRuntime" (osImage with _ for spaces)
windows_facts() {
  case "$1" in
    17763|10.0.17763) echo "Windows_Server_2019_Datacenter 10.0.17763.6414 containerd://1.6.28" ;;
    20348|10.0.20348) echo "Windows_Server_2022_Datacenter 10.0.20348.2762 containerd://1.7.20" ;;
    26100|10.0.26100) echo "Windows_Server_2025_Datacenter 10.0.26100.2314 containerd://1.7.22" ;;
    *) die "unknown Windows build '$1'" "use 17763, 20348 or 26100" ;;
  esac
}

# emit_node NAME OS BUILD RUNTIME TAINT(0|1) OSIMAGE KERNEL SET [EXTRA_LABEL...]
emit_node() {
  local name=$1 os=$2 build=$3 rt=$4 tnt=$5 image=$6 kernel=$7 set=$8 l
  shift 8
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/os: $os
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: $name
    beta.kubernetes.io/os: $os
    beta.kubernetes.io/arch: amd64
    type: kwok
    testenv.local/node-set: $set
EOF
  [ "$os" = windows ] && echo "    node.kubernetes.io/windows-build: \"10.0.${build#10.0.}\""
  for l in "$@"; do echo "    ${l%%=*}: \"${l#*=}\""; done
  if [ "$tnt" = 1 ]; then
    printf 'spec:\n  taints:\n  - {key: os, value: windows, effect: NoSchedule}\n'
  fi
  cat <<EOF
status:
  allocatable: {cpu: "4", memory: 16Gi, pods: "110"}
  capacity: {cpu: "4", memory: 16Gi, pods: "110"}
  nodeInfo:
    architecture: amd64
    operatingSystem: $os
    osImage: "${image//_/ }"
    kernelVersion: "$kernel"
    kubeletVersion: $KUBELET_VERSION
    kubeProxyVersion: $KUBELET_VERSION
    containerRuntimeVersion: "$rt"
    bootID: ""
    machineID: ""
    systemUUID: ""
EOF
  printf '%s\t{"status":{"nodeInfo":{"architecture":"amd64","operatingSystem":"%s","osImage":"%s","kernelVersion":"%s","kubeletVersion":"%s","kubeProxyVersion":"%s","containerRuntimeVersion":"%s"}}}\n' \
    "$name" "$os" "${image//_/ }" "$kernel" "$KUBELET_VERSION" "$KUBELET_VERSION" "$rt" >>"$file.status"
}

emit_windows() { # NAME BUILD RUNTIME(or "") TAINT SET [EXTRA_LABEL...]
  local name=$1 b=${2#10.0.} rt=$3 tnt=$4 set=$5 image kernel defrt
  shift 5
  read -r image kernel defrt <<<"$(windows_facts "$b")"
  emit_node "$name" windows "$b" "${rt:-$defrt}" "$tnt" "$image" "$kernel" "$set" "$@"
}

file=$(mktemp "${TMPDIR:-/tmp}/testenv-nodes.XXXXXX.yaml")
trap 'rm -f "$file" "$file.status"' EXIT
if [ -n "$node" ]; then
  [ -n "$build" ] || die "--node needs --build"
  set=$node
  emit_windows "$node" "$build" "$runtime" "$taint" "$set" "${labels[@]}" >"$file"
elif [ -n "$count" ]; then
  set=$prefix
  builds=(17763 20348 26100)
  {
    for ((i = 1; i <= count; i++)); do
      t=0; [ $((i % 4)) = 2 ] && t=1
      emit_windows "$(printf '%s-%05d' "$prefix" "$i")" "${builds[$(((i - 1) % 3))]}" "" "$t" "$set" "${labels[@]}"
    done
  } >"$file"
else
  set=default
  {
    emit_windows win-2019-a 17763 containerd://1.6.28 0 "$set"
    emit_windows win-2022-a 20348 containerd://1.7.20 1 "$set"
    emit_windows win-2022-b 20348 containerd://1.7.20 0 "$set"
    emit_windows win-2025-a 26100 containerd://1.7.22 0 "$set"
    emit_node linux-a linux "" containerd://1.7.20 0 "Ubuntu_22.04.5_LTS" 5.15.0-1073-azure "$set"
  } >"$file"
fi

if [ "$dry" = 1 ]; then cat "$file"; exit 0; fi

n=$(grep -c '^kind: Node$' "$file")
log "applying $n node(s) (set $set)"
t0=$SECONDS
# --validate=false skips kubectl's client-side schema work (78 s -> 18 s for 2000 nodes); the
# apiserver still validates every Node.
"$KUBECTL" apply --server-side --force-conflicts --validate=false --field-manager=testenv-nodes -f "$file" >/dev/null

# Node status is kept on create today; if a future apiserver drops it, patch the status subresource.
first=$(awk '/^kind: Node$/{k=1} k && /^  name: /{print $2; exit}' "$file")
if [ "$("$KUBECTL" get node "$first" -o jsonpath='{.status.nodeInfo.kubeletVersion}')" != "$KUBELET_VERSION" ]; then
  log "apiserver dropped node status on create; patching the status subresource"
  while IFS=$'\t' read -r name patch; do
    "$KUBECTL" patch node "$name" --subresource=status --type=merge -p "$patch" >/dev/null
  done <"$file.status"
fi

log "waiting for $n node(s) to become Ready"
# One list per poll (kubectl wait checks nodes one by one: minutes for 2000 nodes).
deadline=$((SECONDS + 60 + n / 20))
while :; do
  ready=$("$KUBECTL" get node -l "testenv.local/node-set=$set" \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)
  [ "${ready:-0}" -ge "$n" ] && break
  [ "$SECONDS" -lt "$deadline" ] || die "only $ready of $n nodes of set $set became Ready" "check $TESTENV_STATE/kwok.log"
  sleep 1
done
# kube-controller-manager removes the node.kubernetes.io/not-ready taint shortly after Ready.
deadline=$((SECONDS + 60))
while "$KUBECTL" get node -l "testenv.local/node-set=$set" -o jsonpath='{range .items[*]}{.spec.taints[*].key}{"\n"}{end}' |
  grep -q 'node.kubernetes.io/not-ready'; do
  [ "$SECONDS" -lt "$deadline" ] || die "not-ready taint not removed from set $set" "check $TESTENV_STATE/kube-controller-manager.log"
  sleep 1
done
log "$n node(s) Ready in $((SECONDS - t0))s"

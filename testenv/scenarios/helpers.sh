# Helpers for scenario scripts (sourced by load.sh and by every scenarios/sc-*.sh).
# shellcheck shell=bash
_sc_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESTENV_DIR=$(cd "$_sc_dir/.." && pwd)
# shellcheck source=testenv/lib.sh
. "$TESTENV_DIR/lib.sh"
KUBECTL=$(testenv_kubectl) || die "kubectl not found"
export KUBECONFIG=${KUBECONFIG:-$TESTENV_STATE/admin.kubeconfig}

kc() { "$KUBECTL" "$@"; }

# JSON string literal for $1 (escapes backslash and double quote; inputs carry no control characters).
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

# now_ts: RFC3339 UTC timestamp, as the kubelet writes them.
now_ts() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# fake_id SEED: a stable 64-hex id (container/sandbox ids as containerd prints them).
fake_id() { printf '%s' "$1" | sha256sum | cut -c1-64; }

# wait_sa NS: wait until the namespace's default ServiceAccount exists (ServiceAccount admission
# rejects pods before that).
wait_sa() {
  local deadline=$((SECONDS + 60))
  until kc -n "$1" get serviceaccount default >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "namespace $1 has no default ServiceAccount after 60s"
    sleep 0.5
  done
}

# apply_manifest FILE: kubectl apply (client-side, as a user would) with @TESTENV_STATE@ substituted.
# kubectl's messages (e.g. PodSecurity warnings) go to stderr; returns kubectl's exit status.
apply_manifest() {
  local out rc=0
  out=$(sed "s|@TESTENV_STATE@|$TESTENV_STATE|g" "$1" | kc apply -f - 2>&1 >/dev/null) || rc=$?
  [ -z "$out" ] || printf '  %s\n' "$out" >&2
  return "$rc"
}

# wait_pod_exists NS POD
wait_pod_exists() {
  local deadline=$((SECONDS + 30))
  until kc -n "$1" get pod "$2" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "pod $1/$2 not found"
    sleep 0.2
  done
}

# sim_pod_status NS POD JSON: replace the pod's status fields as a Windows kubelet would report them
# (merge patch on the status subresource). The pod must carry the annotation
# testenv.local/kubelet=simulated so that kwok's stages leave its status alone.
sim_pod_status() {
  kc -n "$1" patch pod "$2" --subresource=status --type=merge -p "$3" >/dev/null
}

# sim_status NS POD READY_TO_START(True|False) CONTAINER_STATUS_JSON: post the status a Windows
# kubelet reports for a pod that is bound but whose only container is not running: phase Pending,
# conditions, host IP (and pod IP = host IP once the HostProcess sandbox exists).
sim_status() {
  local ns=$1 pod=$2 rts=$3 cs=$4 t cname ips=""
  t=$(now_ts)
  cname=$(kc -n "$ns" get pod "$pod" -o jsonpath='{.spec.containers[0].name}')
  [ "$rts" = True ] && ips='"podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}],'
  sim_pod_status "$ns" "$pod" "$(cat <<EOF
{"status":{"phase":"Pending","startTime":"$t","hostIP":"127.0.0.1","hostIPs":[{"ip":"127.0.0.1"}],$ips
 "conditions":[
  {"type":"PodReadyToStartContainers","status":"$rts","lastTransitionTime":"$t"},
  {"type":"Initialized","status":"True","lastTransitionTime":"$t"},
  {"type":"Ready","status":"False","reason":"ContainersNotReady","message":"containers with unready status: [$cname]","lastTransitionTime":"$t"},
  {"type":"ContainersReady","status":"False","reason":"ContainersNotReady","message":"containers with unready status: [$cname]","lastTransitionTime":"$t"},
  {"type":"PodScheduled","status":"True","lastTransitionTime":"$t"}],
 "containerStatuses":[$cs]}}
EOF
)"
}

# container_status NAME IMAGE RESTARTS WAITING_REASON WAITING_MESSAGE [START_ERROR_MESSAGE CONTAINER_ID]
# One containerStatuses entry: state.waiting; with a start error also lastState.terminated
# (reason StartError, exit code 128, startedAt 1970: how containerd reports a task that never started).
container_status() {
  local name=$1 image=$2 restarts=$3 wr=$4 wm=$5 se=${6:-} cid=${7:-} t last="" wmsg=""
  t=$(now_ts)
  [ -n "$wm" ] && wmsg=",\"message\":$(json_str "$wm")"
  if [ -n "$se" ]; then
    last=",\"containerID\":\"containerd://$cid\",\"lastState\":{\"terminated\":{\"exitCode\":128,\"reason\":\"StartError\",\"message\":$(json_str "$se"),\"startedAt\":\"1970-01-01T00:00:00Z\",\"finishedAt\":\"$t\",\"containerID\":\"containerd://$cid\"}}"
  fi
  printf '{"name":"%s","image":"%s","imageID":"","ready":false,"started":false,"restartCount":%s,"state":{"waiting":{"reason":"%s"%s}}%s}' \
    "$name" "$image" "$restarts" "$wr" "$wmsg" "$last"
}

# crash_status NAME IMAGE RESTARTS EXIT_CODE CONTAINER_ID: a container that ran and exited with
# EXIT_CODE and now waits in CrashLoopBackOff (lastState.terminated reason Error).
crash_status() {
  local name=$1 image=$2 restarts=$3 code=$4 cid=$5 t
  t=$(now_ts)
  printf '{"name":"%s","image":"%s","imageID":"","ready":false,"started":false,"restartCount":%s,"containerID":"containerd://%s","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container=%s"}},"lastState":{"terminated":{"exitCode":%s,"reason":"Error","startedAt":"%s","finishedAt":"%s","containerID":"containerd://%s"}}}' \
    "$name" "$image" "$restarts" "$cid" "$name" "$code" "$t" "$t" "$cid"
}

# ns_create NAME [PSA_LEVEL]: namespace (enforce=privileged unless given), then wait for its SA.
ns_create() {
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $1
  labels:
    pod-security.kubernetes.io/enforce: ${2:-privileged}
EOF
  wait_sa "$1"
}

# sim_event NS POD TYPE REASON MESSAGE [FIELDPATH] [COUNT]: a core/v1 Event as the kubelet on the
# pod's node would record it (source.component=kubelet, source.host=<node>).
sim_event() {
  local ns=$1 pod=$2 type=$3 reason=$4 msg=$5 fieldpath=${6:-} count=${7:-1} uid node t name
  uid=$(kc -n "$ns" get pod "$pod" -o jsonpath='{.metadata.uid}')
  node=$(kc -n "$ns" get pod "$pod" -o jsonpath='{.spec.nodeName}')
  t=$(now_ts)
  name="$pod.$(printf '%s' "$reason$fieldpath$msg" | sha256sum | cut -c1-16)"
  kc apply --server-side --force-conflicts --field-manager=kubelet -f - >/dev/null <<EOF
{"apiVersion":"v1","kind":"Event",
 "metadata":{"name":"$name","namespace":"$ns"},
 "involvedObject":{"apiVersion":"v1","kind":"Pod","namespace":"$ns","name":"$pod","uid":"$uid"${fieldpath:+,\"fieldPath\":$(json_str "$fieldpath")}},
 "type":"$type","reason":"$reason","message":$(json_str "$msg"),
 "source":{"component":"kubelet","host":"$node"},
 "reportingComponent":"kubelet","reportingInstance":"$node",
 "firstTimestamp":"$t","lastTimestamp":"$t","count":$count}
EOF
}

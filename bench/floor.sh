#!/usr/bin/env bash
# The floor for `doctor -A`: the same requests doctor makes (src/commands/doctor.rs collect_live),
# replayed raw with curl and thrown away undecoded:
#   GET /version, and LIST nodes, namespaces, pods, events (fieldSelector type=Warning),
#   daemonsets, deployments, replicasets - all at once, each kind paginated sequentially with
#   limit=500 and continue tokens (collect::PAGE); statefulsets/jobs too when named in $FLOOR_EXTRA.
# HTTP/1.1 without compression, as kube-rs does here (no `gzip` feature).
#
#   floor.sh SERVER CA CERT KEY OUTDIR     prints "<kind> <pages> <bytes> <seconds>" per kind
set -euo pipefail
server=$1 ca=$2 cert=$3 key=$4 out=$5
page=${FLOOR_PAGE:-500}
mkdir -p "$out"
curl_opts=(-sS --fail --http1.1 --cacert "$ca" --cert "$cert" --key "$key" -H 'Accept: application/json')

# list KIND PATH [FIELD_SELECTOR]: every page of one kind, sequentially (continue tokens).
list() {
  local kind=$1 path=$2 fs=${3:-} token="" pages=0 bytes=0 t0 body="$out/$1.body" n
  t0=$(date +%s.%N)
  while :; do
    args=(--get --data-urlencode "limit=$page")
    [ -n "$fs" ] && args+=(--data-urlencode "fieldSelector=$fs")
    [ -n "$token" ] && args+=(--data-urlencode "continue=$token")
    n=$(curl "${curl_opts[@]}" "${args[@]}" -o "$body" -w '%{size_download}' "$server$path")
    pages=$((pages + 1)) bytes=$((bytes + n))
    # The continue token is in the list's metadata, in the first bytes: no JSON decoding.
    token=$(head -c 2048 "$body" | grep -o '"continue":"[^"]*"' | head -n1 | cut -d'"' -f4 || true)
    [ -n "$token" ] || break
  done
  echo "$kind $pages $bytes $(echo "$(date +%s.%N) - $t0" | bc)" >"$out/$kind.result"
}

pids=()
curl "${curl_opts[@]}" -o /dev/null "$server/version" &
pids+=($!)
list nodes /api/v1/nodes & pids+=($!)
list namespaces /api/v1/namespaces & pids+=($!)
list pods /api/v1/pods & pids+=($!)
list events /api/v1/events type=Warning & pids+=($!)
list daemonsets /apis/apps/v1/daemonsets & pids+=($!)
list deployments /apis/apps/v1/deployments & pids+=($!)
list replicasets /apis/apps/v1/replicasets & pids+=($!)
wait "${pids[@]}"
# StatefulSets / Jobs: doctor lists them after the first round only when a pod or event points at one.
for extra in ${FLOOR_EXTRA:-}; do
  case "$extra" in
    statefulsets) list statefulsets /apis/apps/v1/statefulsets ;;
    jobs) list jobs /apis/batch/v1/jobs ;;
  esac
done
cat "$out"/*.result
rm -f "$out"/*.body "$out"/*.result

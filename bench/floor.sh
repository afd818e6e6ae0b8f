#!/usr/bin/env bash
# The floor for `doctor -A`: the very requests doctor made, replayed raw with curl, the bodies thrown
# away undecoded. bench.py takes the request list from doctor's own `-vv` log (first page of each
# LIST, query as doctor sent it: page size, field selector), so the floor follows doctor's code:
#   ROUND URL      one line per request; a ROUND's URLs run at once, rounds one after the other
#                  (doctor lists some owner kinds only after the first round has answered)
# Each LIST is paginated sequentially with the continue token of the previous page, as doctor does.
# HTTP/1.1 without compression, like kube-rs here (no `gzip` feature).
#
#   floor.sh CA CERT KEY OUTDIR < requests     prints "<path> <pages> <bytes> <seconds>" per URL
set -euo pipefail
ca=$1 cert=$2 key=$3 out=$4
mkdir -p "$out"
rm -f "$out"/*.result
# Not curl's own User-Agent: for curl, wget and browsers the API server pretty-prints its JSON.
curl_opts=(-sS --fail --http1.1 --cacert "$ca" --cert "$cert" --key "$key" -H 'Accept: application/json'
  -A 'kubectl-hostprocess-bench-floor')

# fetch N URL: every page of one LIST (or the one GET), sequentially.
fetch() {
  local n=$1 url=$2 token="" pages=0 bytes=0 t0 body="$out/$1.body" got
  t0=$(date +%s%N)
  while :; do
    if [ -n "$token" ]; then
      got=$(curl "${curl_opts[@]}" --get --data-urlencode "continue=$token" -o "$body" -w '%{size_download}' "$url")
    else
      got=$(curl "${curl_opts[@]}" -o "$body" -w '%{size_download}' "$url")
    fi
    pages=$((pages + 1)) bytes=$((bytes + got))
    # The continue token sits in the list's metadata, in the first bytes: no JSON decoding.
    token=$(head -c 4096 "$body" | grep -ao '"continue": *"[^"]*"' | head -n1 | sed 's/.*: *"//; s/"$//' || true)
    [ -n "$token" ] || break
  done
  local path=${url#*://*/}
  echo "/${path%%\?*} $pages $bytes $(( ($(date +%s%N) - t0) / 1000000 ))ms" >"$out/$n.result"
  rm -f "$body"
}

declare -A rounds=()
n=0
while read -r round url; do
  [ -n "${url:-}" ] || continue
  rounds[$round]+="$n $url"$'\n'
  n=$((n + 1))
done
for round in $(printf '%s\n' "${!rounds[@]}" | sort -n); do
  pids=()
  while read -r i url; do
    [ -n "${url:-}" ] || continue
    fetch "$i" "$url" &
    pids+=($!)
  done <<<"${rounds[$round]}"
  wait "${pids[@]}"
done
cat "$out"/*.result

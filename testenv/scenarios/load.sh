#!/usr/bin/env bash
# Load every stuck-HostProcess scenario (scenarios/sc-*.yaml and sc-*.sh) into the running testenv
# and verify that each one shows what it promises. Called by up.sh; can be rerun by hand:
#   KUBECONFIG=$TESTENV_STATE/admin.kubeconfig bash testenv/scenarios/load.sh [sc-name...]
#
# Header directives (comment lines at the top of a scenario file; the namespace is the file name):
#   # rule: HPxxx                          rule id the scenario must produce (documentation)
#   # expect-apply-error: TEXT             (yaml) applying must FAIL with TEXT in kubectl's output;
#                                          the output is saved to $TESTENV_STATE/scenario-<short>.err
#   # expect-event: KIND/NAME REASON TEXT  an Event on that object with that reason containing TEXT
#   # expect-pod-phase: POD PHASE          the pod reaches PHASE
#   # expect-daemonset-ready: NAME         the DaemonSet has desired > 0 pods, all ready
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/scenarios/helpers.sh
. "$here/helpers.sh"

files=()
if [ $# -gt 0 ]; then
  for n in "$@"; do
    n=${n%.yaml}; n=${n%.sh}; n=sc-${n#sc-}
    f=""
    for c in "$here/$n.yaml" "$here/$n.sh"; do [ -e "$c" ] && f=$c; done
    [ -n "$f" ] || die "no scenario $n in $here"
    files+=("$f")
  done
else
  for f in "$here"/sc-*.yaml "$here"/sc-*.sh; do [ -e "$f" ] && files+=("$f"); done
fi

directives() { sed -n "s/^# $2: //p" "$1"; }
ns_of() { local b; b=$(basename "$1"); echo "${b%.*}"; }

# 1. Namespaces of the YAML scenarios first, so their default ServiceAccounts exist before pods.
for f in "${files[@]}"; do
  case "$f" in *.yaml) ;; *) continue ;; esac
  awk 'BEGIN{RS="\n---\n"} /(^|\n)kind: Namespace\n/{print "---"; print}' "$f" >"$TESTENV_STATE/.ns.yaml"
  if [ -s "$TESTENV_STATE/.ns.yaml" ]; then apply_manifest "$TESTENV_STATE/.ns.yaml"; fi
done
rm -f "$TESTENV_STATE/.ns.yaml"
for f in "${files[@]}"; do
  case "$f" in *.yaml) wait_sa "$(ns_of "$f")" ;; esac
done

# 2. Apply / run.
for f in "${files[@]}"; do
  ns=$(ns_of "$f")
  log "scenario $ns ($(directives "$f" rule | head -n1))"
  case "$f" in
    *.sh) bash "$f" ;;
    *.yaml)
      want=$(directives "$f" expect-apply-error | head -n1)
      if [ -n "$want" ]; then
        errfile=$TESTENV_STATE/scenario-${ns#sc-}.err
        if sed "s|@TESTENV_STATE@|$TESTENV_STATE|g" "$f" | kc apply -f - >"$errfile.out" 2>"$errfile"; then
          die "scenario $ns: applying $f succeeded, but it must be refused with: $want"
        fi
        grep -qF -- "$want" "$errfile" ||
          die "scenario $ns: apply failed, but without '$want'; got: $(cat "$errfile")"
        rm -f "$errfile.out"
        log "  refused as expected: $(head -n1 "$errfile")"
      else
        apply_manifest "$f"
      fi
      ;;
  esac
done

# 3. Verify.
poll() { # SECONDS CMD...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 1; done
}
has_event() { # NS KIND NAME REASON TEXT
  kc -n "$1" get events --field-selector "involvedObject.kind=$2,involvedObject.name=$3,reason=$4" \
    -o jsonpath='{range .items[*]}{.message}{"\n"}{end}' | grep -qF -- "$5"
}
pod_phase_is() { [ "$(kc -n "$1" get pod "$2" -o jsonpath='{.status.phase}')" = "$3" ]; }
ds_ready() {
  local s
  s=$(kc -n "$1" get daemonset "$2" -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}')
  [ "${s% *}" -gt 0 ] && [ "${s% *}" = "${s#* }" ]
}
failed=0
for f in "${files[@]}"; do
  ns=$(ns_of "$f")
  while read -r obj reason text; do
    [ -n "$obj" ] || continue
    kind=${obj%%/*} name=${obj#*/}
    case "$kind" in daemonset) kind=DaemonSet ;; pod) kind=Pod ;; deployment) kind=Deployment ;; esac
    if poll 90 has_event "$ns" "$kind" "$name" "$reason" "$text"; then
      log "  ok  $ns: $kind/$name $reason event"
    else
      log "  FAIL $ns: no $reason event on $kind/$name containing: $text"; failed=1
    fi
  done < <(directives "$f" expect-event)
  while read -r pod phase; do
    [ -n "$pod" ] || continue
    if poll 60 pod_phase_is "$ns" "$pod" "$phase"; then log "  ok  $ns: pod/$pod is $phase"
    else log "  FAIL $ns: pod/$pod is not $phase"; failed=1; fi
  done < <(directives "$f" expect-pod-phase)
  while read -r ds; do
    [ -n "$ds" ] || continue
    if poll 90 ds_ready "$ns" "$ds"; then log "  ok  $ns: daemonset/$ds ready on all $(kc -n "$ns" get ds "$ds" -o jsonpath='{.status.numberReady}') nodes"
    else log "  FAIL $ns: daemonset/$ds not ready"; failed=1; fi
  done < <(directives "$f" expect-daemonset-ready)
done
[ "$failed" = 0 ] || die "some scenarios did not verify" "inspect with: kubectl --kubeconfig $TESTENV_STATE/admin.kubeconfig get events -A"
log "scenarios loaded and verified: ${#files[@]}"

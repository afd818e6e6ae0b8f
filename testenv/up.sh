#!/usr/bin/env bash
# Start the local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# kwok (fake Windows/Linux nodes), write admin/narrow kubeconfigs, create the default nodes and load
# the stuck-HostProcess scenarios. Idempotent: if the recorded plane is healthy it only reprints.
# All progress goes to stderr; the LAST line of stdout is `export KUBECONFIG=<admin kubeconfig>`.
#
# Environment: TESTENV_STATE (state dir), TESTENV_NO_SCENARIOS=1 (skip scenarios),
#              TESTENV_NODES=<count> (extra generated Windows nodes, default 0), port overrides (lib.sh),
#              TESTENV_KWOK_LOG_LEVEL (default WARN; INFO logs every lease renewal and status patch).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/lib.sh
. "$here/lib.sh"

S=$TESTENV_STATE
P=$S/pki
ADMIN_KC=$S/admin.kubeconfig
# Everything this script starts (nodes.sh, the scenarios) talks to this plane, whatever the caller set.
export KUBECONFIG="$ADMIN_KC"
NARROW_KC=$S/narrow.kubeconfig
API_URL=https://127.0.0.1:$APISERVER_PORT
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

finish() {
  log "control plane ready: $API_URL (state: $S)"
  log "narrow (RBAC-limited) kubeconfig: $NARROW_KC"
  echo "export KUBECONFIG=$ADMIN_KC"
}

# ---- 0. already running? ----------------------------------------------------------------------
if [ -d "$S" ]; then
  healthy=1
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" || { healthy=0; break; }; done
  if [ "$healthy" = 1 ] && [ -f "$ADMIN_KC" ] && curl -fsk --max-time 5 "$API_URL/readyz" >/dev/null 2>&1; then
    log "control plane already running"
    if ! tr '\0' ' ' <"/proc/$(pid_of kwok)/cmdline" | grep -q -- "$KWOK_BIN "; then
      log "warning: this plane's kwok is not the build of the current kwok-exit-code.patch" \
        "(a failed exec may not report its exit code); restart it: make testenv-down testenv-up"
    fi
    finish
    exit 0
  fi
  log "found a stale or partial plane in $S; stopping it and starting fresh"
  bash "$here/down.sh"
fi

for port in "$ETCD_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KWOK_PORT" "$KCM_PORT" "$SCHED_PORT"; do
  if port_busy "$port"; then
    die "port $port is already in use by another process" \
      "stop it, or override the port (ETCD_PORT, ETCD_PEER_PORT, APISERVER_PORT, KWOK_PORT, KCM_PORT, SCHED_PORT)"
  fi
done

# ---- 1. binaries ------------------------------------------------------------------------------
for b in etcd kube-apiserver kube-controller-manager kube-scheduler "${KWOK_BIN##*/}"; do
  if [ ! -x "$TESTENV_BIN/$b" ] || [ ! -d "$TESTENV_CACHE/stage" ] || [ ! -d "$TESTENV_CACHE/crd" ]; then
    log "binaries missing in $TESTENV_BIN; running build.sh"
    bash "$here/build.sh" >/dev/null
    break
  fi
done
KUBECTL=$(testenv_kubectl) || die "kubectl not found" "install kubectl (v1.30+) or put it on PATH"
t0=$(date +%s)
mkdir -p "$S" "$P" "$S/podlogs" "$S/shims"

# On any failure after this point: stop what was started, keep the logs for inspection.
on_error() {
  local rc=$?
  log "startup failed (exit $rc); stopping started components (logs kept in $S)"
  bash "$here/down.sh" --keep-state || true
  exit "$rc"
}
trap on_error ERR

# ---- 2. PKI -----------------------------------------------------------------------------------
log "generating PKI"
sign() { # name subject extensions
  openssl req -new -newkey rsa:2048 -nodes -keyout "$P/$1.key" -out "$P/$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$3" >"$P/$1.ext"
  openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial \
    -days 3650 -extfile "$P/$1.ext" -out "$P/$1.crt" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -days 3650 \
  -subj "/CN=kubectl-hostprocess-testenv-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
srv_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth'
cli_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
ADV=$(advertise_address)
sign apiserver "/CN=kube-apiserver" "$srv_ext
subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1,IP:$ADV"
sign kwok "/CN=kwok-kubelet" "$srv_ext
subjectAltName=DNS:localhost,IP:127.0.0.1"
sign admin "/O=system:masters/CN=kubernetes-admin" "$cli_ext"
sign narrow "/CN=narrow-user" "$cli_ext"
openssl genrsa -out "$P/sa.key" 2048 2>/dev/null
openssl rsa -in "$P/sa.key" -pubout -out "$P/sa.pub" 2>/dev/null

write_kubeconfig() { # file user cert-name
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: $API_URL
    certificate-authority-data: $(base64 -w0 <"$P/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 <"$P/$3.crt")
    client-key-data: $(base64 -w0 <"$P/$3.key")
contexts:
- name: testenv-$2
  context: {cluster: testenv, user: $2}
current-context: testenv-$2
EOF
  chmod 600 "$1"
}
write_kubeconfig "$ADMIN_KC" admin admin
write_kubeconfig "$NARROW_KC" narrow-user narrow
kc() { "$KUBECTL" --kubeconfig "$ADMIN_KC" "$@"; }

# ---- 3. etcd ----------------------------------------------------------------------------------
start etcd "$TESTENV_BIN/etcd" --name=testenv --data-dir="$S/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="testenv=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --quota-backend-bytes=4294967296 --log-level=warn
wait_for etcd 30 curl -fs --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

# ---- 4. kube-apiserver ------------------------------------------------------------------------
start kube-apiserver "$TESTENV_BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" --advertise-address="$ADV" \
  --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
  --service-cluster-ip-range=10.96.0.0/12 \
  --authorization-mode=Node,RBAC \
  --allow-privileged=true \
  --kubelet-client-certificate="$P/admin.crt" --kubelet-client-key="$P/admin.key" \
  --kubelet-preferred-address-types=InternalIP,Hostname \
  --profiling=false
wait_for kube-apiserver 90 curl -fsk --max-time 3 "$API_URL/readyz"

# ---- 5. kube-controller-manager, kube-scheduler -----------------------------------------------
start kube-controller-manager "$TESTENV_BIN/kube-controller-manager" \
  --kubeconfig="$ADMIN_KC" --authentication-kubeconfig="$ADMIN_KC" --authorization-kubeconfig="$ADMIN_KC" \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
  --service-cluster-ip-range=10.96.0.0/12 \
  --node-monitor-period=10s --node-monitor-grace-period=1h --node-startup-grace-period=1h \
  --profiling=false
start kube-scheduler "$TESTENV_BIN/kube-scheduler" \
  --kubeconfig="$ADMIN_KC" --authentication-kubeconfig="$ADMIN_KC" --authorization-kubeconfig="$ADMIN_KC" \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false --profiling=false
wait_for kube-controller-manager 60 curl -fsk --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
wait_for kube-scheduler 60 curl -fsk --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
wait_for kube-controller-manager 60 kc -n default get serviceaccount default

# ---- 6. kwok ----------------------------------------------------------------------------------
log "installing kwok CRDs"
kc apply --server-side -f "$TESTENV_CACHE/crd/" >/dev/null
kc wait --for=condition=Established crd --all --timeout=60s >/dev/null

# Fake "Windows" commands for `kubectl exec`: kwok runs the exec'd argv on this host with its own PATH.
cat >"$S/shims/cmd" <<'EOF'
#!/bin/sh
# testenv shim: cmd [/d] [/q] [/s] /c COMMAND... -> sh -c "COMMAND..."
while [ $# -gt 0 ]; do
  case "$1" in
    /c|/C|/k|/K) shift; break ;;
    /d|/D|/q|/Q|/s|/S) shift ;;
    *) break ;;
  esac
done
exec sh -c "$*"
EOF
cat >"$S/shims/powershell" <<'EOF'
#!/bin/sh
# testenv shim: powershell [-NoLogo] [-NoProfile] [-NonInteractive] [-ExecutionPolicy X] -Command SCRIPT
while [ $# -gt 0 ]; do
  case "$1" in
    -NoLogo|-nologo|-NoProfile|-noprofile|-NonInteractive|-noninteractive|-NoExit) shift ;;
    -ExecutionPolicy|-executionpolicy|-ep|-OutputFormat|-InputFormat) shift 2 ;;
    -Command|-command|-c|-Command:) shift; break ;;
    *) break ;;
  esac
done
# The plugin's own scripts (first line "# kubectl-hostprocess:NAME") go to their stand-ins.
case "$*" in
  "# kubectl-hostprocess:"*) TESTENV_STATE=__STATE__ TESTENV_KUBECTL=__KUBECTL__ exec python3 __WINHOST__/dispatch.py "$*" ;;
esac
exec sh -c "$*"
EOF
sed -i "s#__STATE__#$S#; s#__KUBECTL__#$KUBECTL#; s#__WINHOST__#$here/winhost#" "$S/shims/powershell"
chmod +x "$S/shims/cmd" "$S/shims/powershell"
cp "$S/shims/cmd" "$S/shims/cmd.exe"
for s in powershell.exe pwsh pwsh.exe; do cp "$S/shims/powershell" "$S/shims/$s"; done

# Stage config: kwok's own stages, plus one for the exit-code annotation. Pods annotated
# testenv.local/kubelet=simulated are left alone by every status stage, so a scenario can post
# a Windows kubelet's status for them (see scenarios/README.md); pod-delete still applies.
{
  # kwok plays pod stages with 4 workers by default; a fan-out exec over hundreds of nodes waits
  # on that, not on the plugin (bench: 500 pods to Running took 4.1 s with 4). A KwokConfiguration
  # read from a file gets none of kwok's defaults, so every option without a flag is spelled out
  # (kwok v0.8.0's defaults, except the pod workers).
  cat <<KWOKCFG
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  enableDebuggingHandlers: true
  enableProfilingHandler: false
  enableContentionProfiling: false
  podPlayStageParallelism: ${TESTENV_KWOK_POD_WORKERS:-16}
  nodePlayStageParallelism: 4
  nodeLeaseParallelism: 4
  podsOnNodeSyncParallelism: 1
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
KWOKCFG
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo '---'
    if [ "${f#pod/}" != "$f" ] && [ "$f" != pod/fast/pod-delete.yaml ]; then
      # insert the opt-out expression as the first matchExpression
      sed '/^    matchExpressions:$/a\
    - key: '"'"'.metadata.annotations["testenv.local/kubelet"]'"'"'\
      operator: '"'"'DoesNotExist'"'"'' "$TESTENV_CACHE/stage/$f"
    else
      cat "$TESTENV_CACHE/stage/$f"
    fi
  done
  echo '---'
  cat "$here/kwok-exit-code-stage.yaml"
} >"$S/kwok.yaml"
[ "$(grep -c 'testenv.local/kubelet' "$S/kwok.yaml")" -ge 3 ] || die "could not add the opt-out selector to kwok's pod stages"

PATH="$S/shims:$PATH" start kwok "$KWOK_BIN" \
  --kubeconfig="$ADMIN_KC" --config="$S/kwok.yaml" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip=127.0.0.1 --node-name=localhost --node-port="$KWOK_PORT" \
  --server-address="127.0.0.1:$KWOK_PORT" \
  --tls-cert-file="$P/kwok.crt" --tls-private-key-file="$P/kwok.key" \
  --node-lease-duration-seconds=40 --cidr=10.244.0.0/16 \
  --enable-crds=Logs,ClusterLogs,Exec,ClusterExec,Attach,ClusterAttach \
  --v="${TESTENV_KWOK_LOG_LEVEL:-WARN}"
wait_for kwok 60 curl -fsk --max-time 2 "https://127.0.0.1:$KWOK_PORT/healthz"

# ---- 7. logs/exec for every pod, RBAC for the narrow user -------------------------------------
now=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
printf '%s stdout F %s\n' "$now" "testenv: fake container started" "$now" "testenv: hello from a fake Windows node" \
  >"$S/podlogs/default.log"
printf '%s stdout F %s\n' "$now" "testenv: previous container instance" >"$S/podlogs/previous.log"
kc apply --server-side -f - >/dev/null <<EOF
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata: {name: testenv-all-pods}
spec:
  logs:
  - logsFile: $S/podlogs/default.log
    previousLogsFile: $S/podlogs/previous.log
    follow: true
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata: {name: testenv-all-pods}
spec:
  execs:
  - local:
      workDir: $S
      envs:
      - {name: TESTENV_FAKE_OS, value: windows}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterAttach
metadata: {name: testenv-all-pods}
spec:
  attaches:
  - logsFile: $S/podlogs/default.log
---
apiVersion: v1
kind: Namespace
metadata:
  name: hp-narrow
  labels: {pod-security.kubernetes.io/enforce: privileged}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: hp-narrow}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: narrow-user-pod-reader, namespace: hp-narrow}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: narrow-user}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: testenv-node-reader}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: narrow-user-node-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: testenv-node-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: narrow-user}
EOF

# ---- 8. nodes and scenarios -------------------------------------------------------------------
bash "$here/nodes.sh"
if [ "${TESTENV_NODES:-0}" -gt 0 ]; then bash "$here/nodes.sh" "$TESTENV_NODES"; fi
if [ "${TESTENV_NO_SCENARIOS:-0}" != 1 ]; then
  bash "$here/scenarios/load.sh"
fi
trap - ERR
log "up in $(($(date +%s) - t0))s"
finish

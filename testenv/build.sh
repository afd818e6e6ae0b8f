#!/usr/bin/env bash
# Build the local control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd,
# kwok (patched, see kwok-exit-code.patch), krew, validate-krew-manifest; and actionlint for the release workflow) from the Go module
# proxy into a version-keyed cache outside the repository. Binaries that already exist are not
# rebuilt. Prints the bin directory last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testenv/lib.sh
. "$here/lib.sh"

if ! command -v go >/dev/null 2>&1; then
  die "Go is not installed or not on PATH" "install Go 1.26 (the testenv builds Kubernetes from the Go module proxy)"
fi
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
mkdir -p "$TESTENV_BIN" "$TESTENV_SRC"

K8S_MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
STAGING="v0.${K8S_VERSION#1.}"

need() { for b in "$@"; do [ -x "$TESTENV_BIN/$b" ] || return 0; done; return 1; }

if need kube-apiserver kube-controller-manager kube-scheduler; then
  log "building Kubernetes v$K8S_VERSION control plane (cold build: 15-30 min on 2 cores)"
  w="$TESTENV_SRC/k8s-$K8S_VERSION"; mkdir -p "$w"; cd "$w"
  if [ ! -f go.sum ] || ! grep -q "k8s.io/kubernetes v$K8S_VERSION" go.mod; then
    printf 'module local.test/k8sbins\n\ngo 1.26.0\n\ngodebug default=go1.26\n' > go.mod
    kmod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
    sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*#\1#p' "$kmod" | sort -u > staging.txt
    log "replacing $(wc -l < staging.txt) staging modules with $STAGING"
    args=()
    while read -r m; do args+=("-replace=$m=$m@$STAGING"); done < staging.txt
    go mod edit "${args[@]}"
    go get "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" \
           "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
           "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION"
  fi
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR -X $p.gitTreeState=clean"
  done
  go build -p 2 -trimpath -ldflags "$ld" -o "$TESTENV_BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler
fi

if need etcd; then
  log "building etcd $ETCD_VERSION"
  w="$TESTENV_SRC/etcd-$ETCD_VERSION"; mkdir -p "$w"; cd "$w"
  printf 'module local.test/etcdbin\n\ngo 1.26.0\n' > go.mod
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$TESTENV_BIN/etcd" go.etcd.io/etcd/server/v3
fi

# kwok's module source: its stage files, and the source of the patched kwok.
kwok_dir=$(cd "$TESTENV_SRC" && go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
[ -d "$kwok_dir" ] || die "could not download sigs.k8s.io/kwok@$KWOK_VERSION" "check access to the Go module proxy"

# kwok with kwok-exit-code.patch: a copy of the module source, patched, built alone (18 s with a warm Go build cache).
if need "${KWOK_BIN##*/}"; then
  log "building kwok $KWOK_VERSION with $(basename "$KWOK_PATCH") (key $KWOK_PATCH_KEY)"
  w="$TESTENV_SRC/kwok-$KWOK_VERSION-p$KWOK_PATCH_KEY"
  rm -rf "$w"; cp -r "$kwok_dir" "$w"; chmod -R u+w "$w"
  patch -d "$w" -p1 --forward --batch --quiet <"$KWOK_PATCH" || die "$(basename "$KWOK_PATCH") does not apply to kwok $KWOK_VERSION" "update the patch for this kwok version"
  (cd "$w" && go build -trimpath -ldflags "-s -w" -o "$KWOK_BIN.tmp" ./cmd/kwok)
  mv -f "$KWOK_BIN.tmp" "$KWOK_BIN"
fi

if need krew validate-krew-manifest; then
  log "building krew $KREW_VERSION"
  GOBIN="$TESTENV_BIN" go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/krew/cmd/krew@$KREW_VERSION" "sigs.k8s.io/krew/cmd/validate-krew-manifest@$KREW_VERSION"
  ln -sf krew "$TESTENV_BIN/kubectl-krew"
fi

# actionlint checks .github/workflows offline (`make krew-check`); shellcheck is optional for it.
ACTIONLINT_VERSION=v1.7.12
if need actionlint || ! "$TESTENV_BIN/actionlint" -version 2>/dev/null | grep -qx "$ACTIONLINT_VERSION"; then
  log "building actionlint $ACTIONLINT_VERSION"
  GOBIN="$TESTENV_BIN" go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

# kwok's stage files ship in its module zip.
if [ ! -d "$TESTENV_CACHE/stage" ]; then
  mkdir -p "$TESTENV_CACHE/stage" "$TESTENV_CACHE/crd"
  cp -r "$kwok_dir/kustomize/stage/." "$TESTENV_CACHE/stage/"
  cp -r "$kwok_dir/kustomize/crd/bases/." "$TESTENV_CACHE/crd/"
  chmod -R u+w "$TESTENV_CACHE/stage" "$TESTENV_CACHE/crd"
fi
log "testenv binaries ready in $TESTENV_BIN ($(du -sh "$TESTENV_BIN" | cut -f1))"
echo "$TESTENV_BIN"

#!/usr/bin/env bash
# Builds the node components (kubelet, kube-scheduler, kube-proxy) from the same Kubernetes
# release as the apiserver (k8s.sh), for the bed's real node (issue 15). Not in the default
# provisioning yet: `npm run provision -- node`.
. "$(dirname "$0")/lib.sh"
go_build_workspace k8s-node "$K8S_VERSION"
STAGE=v0.${K8S_VERSION#v1.}
MINOR=${K8S_VERSION#v1.}; MINOR=${MINOR%%.*}
GOMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
grep -oP '^\s+k8s\.io/[A-Za-z0-9._-]+(?= v0\.0\.0$)' "$GOMOD" | tr -d '\t ' | sort -u |
  while read -r m; do echo "replace $m => $m $STAGE"; done >>go.mod
godebug=$(grep -E '^godebug ' "$GOMOD" || true)
[ -n "$godebug" ] && echo "$godebug" >>go.mod
go get -tool "k8s.io/kubernetes/cmd/kubelet@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-proxy@$K8S_VERSION"
LDF="-s -w
 -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1
 -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean
 -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
go build -p 1 -trimpath -ldflags "$(echo $LDF)" -o "$OUT/bin/" \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy
mark_built "$OUT"
log "kubernetes node components built"

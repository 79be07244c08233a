#!/usr/bin/env bash
# Builds the node components (kubelet, kube-scheduler, kube-proxy) from the same Kubernetes
# release as the apiserver (k8s.sh), for the bed's real node (issue 15). Not in the default
# provisioning yet: `npm run provision -- node`.
. "$(dirname "$0")/lib.sh"
go_build_workspace k8s-node "$K8S_VERSION"
k8s_staging_module
go get -tool "k8s.io/kubernetes/cmd/kubelet@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-proxy@$K8S_VERSION"
go build -p 1 -trimpath -ldflags "$(echo $K8S_LDFLAGS)" -o "$OUT/bin/" \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy
mark_built "$OUT"
log "kubernetes node components built"

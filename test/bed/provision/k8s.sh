#!/usr/bin/env bash
# Builds kube-apiserver and kube-controller-manager from the Go module proxy.
# k8s.io/kubernetes requires its staging modules at v0.0.0, so a throwaway module pins each one.
. "$(dirname "$0")/lib.sh"
go_build_workspace k8s "$K8S_VERSION"
k8s_staging_module
go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION"
go build -p 2 -trimpath -ldflags "$(echo $K8S_LDFLAGS)" -o "$OUT/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
mark_built "$OUT"
log "kubernetes built"

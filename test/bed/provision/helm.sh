#!/usr/bin/env bash
# Builds the helm CLI (v3) from the Go module proxy: the chart's tests lint, render and install it.
. "$(dirname "$0")/lib.sh"
OUT=$CACHE/helm/$HELM_VERSION
is_built "$OUT" && { log "helm $HELM_VERSION cached"; exit 0; }
log "building helm $HELM_VERSION"
W=$CACHE/helm/build-$HELM_VERSION
rm -rf "$W" && go_throwaway_module "$W" helmbin && cd "$W"
go get -tool "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
# As helm's Makefile does: its version, and the Kubernetes version `helm template` and `helm lint`
# assume (.Capabilities.KubeVersion), from the client-go it is built with.
KUBE=$(go list -m -f '{{.Version}}' k8s.io/client-go)
KMINOR=${KUBE#v0.}; KMINOR=${KMINOR%%.*}
LDF="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION
 -X helm.sh/helm/v3/internal/version.gitTreeState=clean
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$KMINOR
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KMINOR"
mkdir -p "$OUT/bin"
go build -p 2 -trimpath -ldflags "$(echo $LDF)" -o "$OUT/bin/helm" helm.sh/helm/v3/cmd/helm
mark_built "$OUT"
log "helm built"

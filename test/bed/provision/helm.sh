#!/usr/bin/env bash
# Builds the helm CLI (v3) from the Go module proxy: the chart's tests lint, render and install it.
. "$(dirname "$0")/lib.sh"
go_build_workspace helm "$HELM_VERSION"
go get -tool "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
# As helm's Makefile does: its version, and the Kubernetes version `helm template` and `helm lint`
# assume (.Capabilities.KubeVersion), from the client-go it is built with.
KUBE=$(go list -m -f '{{.Version}}' k8s.io/client-go)
KMINOR=${KUBE#v0.}; KMINOR=${KMINOR%%.*}
LDF="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION
 -X helm.sh/helm/v3/internal/version.gitTreeState=clean
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$KMINOR
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KMINOR"
go build -p 2 -trimpath -ldflags "$(echo $LDF)" -o "$OUT/bin/helm" helm.sh/helm/v3/cmd/helm
mark_built "$OUT"
log "helm built"

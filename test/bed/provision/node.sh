#!/usr/bin/env bash
# The bed's real node (issue 15, test/bed/node.ts): containerd, runc, the CNI plugins, iptables and
# conntrack from Debian's packages (installed when missing); kubelet, kube-scheduler and kube-proxy
# built from the same Kubernetes release as the apiserver (k8s.sh); and a local pause image (no
# registry can be reached), a static Go program that sleeps until SIGTERM and reaps children.
. "$(dirname "$0")/lib.sh"

need_cmd() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; }
missing=()
for pair in containerd:containerd runc:runc /usr/lib/cni/bridge:containernetworking-plugins \
  iptables:iptables conntrack:conntrack; do
  need_cmd "${pair%%:*}" || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The pause image: a docker-archive that `ctr images import` loads as localhost/medusa-pause:1.
PAUSE=$CACHE/node-pause/1
if ! is_built "$PAUSE"; then
  log "building the pause image"
  rm -rf "$PAUSE" && mkdir -p "$PAUSE/src" "$PAUSE/root" "$PAUSE/image"
  cat >"$PAUSE/src/main.go" <<'EOF'
// The pod sandbox's process: holds the namespaces until SIGTERM/SIGINT, reaping orphans meanwhile.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			if pid, _ := syscall.Wait4(-1, nil, syscall.WNOHANG, nil); pid <= 0 {
				break
			}
		}
	}
}
EOF
  printf 'module local.test/pause\n\ngo 1.24.0\n' >"$PAUSE/src/go.mod"
  (cd "$PAUSE/src" && go build -trimpath -ldflags '-s -w' -o "$PAUSE/root/pause" .)
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$PAUSE/root" -cf "$PAUSE/image/layer.tar" pause
  diff_id=$(sha256sum "$PAUSE/image/layer.tar" | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff_id" >"$PAUSE/image/config.json"
  printf '[{"Config":"config.json","RepoTags":["localhost/medusa-pause:1"],"Layers":["layer.tar"]}]' \
    >"$PAUSE/image/manifest.json"
  tar -C "$PAUSE/image" -cf "$PAUSE/pause.tar" manifest.json config.json layer.tar
  mark_built "$PAUSE"
fi

go_build_workspace k8s-node "$K8S_VERSION"
k8s_staging_module
go get -tool "k8s.io/kubernetes/cmd/kubelet@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-proxy@$K8S_VERSION"
go build -p 2 -trimpath -ldflags "$(echo $K8S_LDFLAGS)" -o "$OUT/bin/" \
  k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy
mark_built "$OUT"
log "kubernetes node components built"

#!/usr/bin/env bash
# Builds etcd and etcdctl from the Go module proxy into $CACHE/etcd/$ETCD_VERSION/bin.
. "$(dirname "$0")/lib.sh"
go_build_workspace etcd "$ETCD_VERSION"
go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION"
go build -trimpath -ldflags '-s -w' -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3
go build -trimpath -ldflags '-s -w' -o "$OUT/bin/etcdctl" go.etcd.io/etcd/etcdctl/v3
mark_built "$OUT"
log "etcd built"

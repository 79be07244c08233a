#!/usr/bin/env bash
# Builds etcd and etcdctl from the Go module proxy into $CACHE/etcd/$ETCD_VERSION/bin.
. "$(dirname "$0")/lib.sh"
OUT=$CACHE/etcd/$ETCD_VERSION
is_built "$OUT" && { log "etcd $ETCD_VERSION cached"; exit 0; }
log "building etcd $ETCD_VERSION"
W=$CACHE/etcd/build-$ETCD_VERSION
rm -rf "$W" && go_throwaway_module "$W" etcdbin && cd "$W"
go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION"
mkdir -p "$OUT/bin"
go build -trimpath -ldflags '-s -w' -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3
go build -trimpath -ldflags '-s -w' -o "$OUT/bin/etcdctl" go.etcd.io/etcd/etcdctl/v3
mark_built "$OUT"
log "etcd built"

#!/usr/bin/env bash
# Builds fake-gcs-server from the Go module proxy.
. "$(dirname "$0")/lib.sh"
OUT=$CACHE/fake-gcs/$FAKE_GCS_VERSION
is_built "$OUT" && { log "fake-gcs-server $FAKE_GCS_VERSION cached"; exit 0; }
log "building fake-gcs-server $FAKE_GCS_VERSION"
W=$CACHE/fake-gcs/build-$FAKE_GCS_VERSION
rm -rf "$W" && go_throwaway_module "$W" fakegcsbin && cd "$W"
go get -tool "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
mkdir -p "$OUT/bin"
go build -p 2 -trimpath -ldflags '-s -w' -o "$OUT/bin/fake-gcs-server" github.com/fsouza/fake-gcs-server
mark_built "$OUT"
log "fake-gcs-server built"

#!/usr/bin/env bash
# Builds fake-gcs-server from the Go module proxy.
. "$(dirname "$0")/lib.sh"
go_build_workspace fake-gcs "$FAKE_GCS_VERSION"
go get -tool "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
go build -p 2 -trimpath -ldflags '-s -w' -o "$OUT/bin/fake-gcs-server" github.com/fsouza/fake-gcs-server
mark_built "$OUT"
log "fake-gcs-server built"

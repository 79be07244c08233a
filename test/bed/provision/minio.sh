#!/usr/bin/env bash
# Builds the MinIO server (source-only since 2025) from the Go module proxy.
. "$(dirname "$0")/lib.sh"
go_build_workspace minio "$MINIO_VERSION"
go get -tool "github.com/minio/minio@$MINIO_VERSION"
go build -p 2 -trimpath -ldflags '-s -w' -o "$OUT/bin/minio" github.com/minio/minio
mark_built "$OUT"
log "minio built"

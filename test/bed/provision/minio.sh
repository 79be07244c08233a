#!/usr/bin/env bash
# Builds the MinIO server (source-only since 2025) from the Go module proxy.
. "$(dirname "$0")/lib.sh"
OUT=$CACHE/minio/$MINIO_VERSION
is_built "$OUT" && { log "minio $MINIO_VERSION cached"; exit 0; }
log "building minio $MINIO_VERSION"
W=$CACHE/minio/build-$MINIO_VERSION
rm -rf "$W" && go_throwaway_module "$W" miniobin && cd "$W"
go get -tool "github.com/minio/minio@$MINIO_VERSION"
mkdir -p "$OUT/bin"
go build -p 2 -trimpath -ldflags '-s -w' -o "$OUT/bin/minio" github.com/minio/minio
mark_built "$OUT"
log "minio built"

#!/usr/bin/env bash
# Installs the real cassandra-medusa from PyPI in its own virtualenv (it pins many exact versions).
. "$(dirname "$0")/lib.sh"
OUT=$CACHE/medusa/$MEDUSA_VERSION
is_built "$OUT" && { log "cassandra-medusa $MEDUSA_VERSION cached"; exit 0; }
log "installing cassandra-medusa $MEDUSA_VERSION"
PY=$(command -v python3.11 || command -v python3)
rm -rf "$OUT" && "$PY" -m venv "$OUT"
"$OUT/bin/pip" install -q --disable-pip-version-check "cassandra-medusa==$MEDUSA_VERSION"
"$OUT/bin/medusa" --version >/dev/null
mark_built "$OUT"
log "cassandra-medusa installed"

# Shared helpers for the provisioning scripts. Source, do not run.
set -euo pipefail
BED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../versions.env
. "$BED_DIR/versions.env"
CACHE=${MEDUSA_TESTBED_CACHE:-$HOME/.cache/kubectl-medusa-testbed}
mkdir -p "$CACHE"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { printf '[provision %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# done_marker DIR: true when DIR holds a finished build (written last, so a killed build is redone).
is_built() { [ -f "$1/.complete" ]; }
mark_built() { date -u +%FT%TZ >"$1/.complete"; }

# go_throwaway_module DIR NAME: a go.mod with no requirements, for `go get -tool`.
go_throwaway_module() {
  mkdir -p "$1"
  printf 'module local.test/%s\n\ngo 1.24.0\n' "$2" >"$1/go.mod"
}

# go_build_workspace NAME VERSION: the start of every Go build here. Sets OUT=$CACHE/NAME/VERSION and
# exits when it is already built; else enters a fresh throwaway module $CACHE/NAME/build-VERSION
# (the caller adds its tools with `go get -tool`) and creates $OUT/bin.
go_build_workspace() {
  OUT=$CACHE/$1/$2
  is_built "$OUT" && { log "$1 $2 cached"; exit 0; }
  log "building $1 $2"
  local work=$CACHE/$1/build-$2
  rm -rf "$work" && go_throwaway_module "$work" "${1//-/}bin" && cd "$work"
  mkdir -p "$OUT/bin"
}

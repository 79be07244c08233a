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

# k8s_staging_module: in a go_build_workspace, pins each k8s.io staging module that
# k8s.io/kubernetes@$K8S_VERSION requires at v0.0.0 to its published v0.<minor> tag, and copies the
# release's godebug line. Sets MINOR and K8S_LDFLAGS (the version stamps) for `go build`.
k8s_staging_module() {
  local stage=v0.${K8S_VERSION#v1.} gomod godebug
  MINOR=${K8S_VERSION#v1.}; MINOR=${MINOR%%.*}
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
  grep -oP '^\s+k8s\.io/[A-Za-z0-9._-]+(?= v0\.0\.0$)' "$gomod" | tr -d '\t ' | sort -u |
    while read -r m; do echo "replace $m => $m $stage"; done >>go.mod
  godebug=$(grep -E '^godebug ' "$gomod" || true)
  [ -n "$godebug" ] && echo "$godebug" >>go.mod
  K8S_LDFLAGS="-s -w
 -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1
 -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean
 -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z
 -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1
 -X k8s.io/client-go/pkg/version.gitMinor=$MINOR"
  return 0
}

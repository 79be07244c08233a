#!/usr/bin/env bash
# Provisions the test bed's components (all, or those named) into the cache outside the repository.
# Each step is skipped when its versioned build is already cached.
. "$(dirname "$0")/lib.sh"
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(kube cassandra minio fake-gcs medusa sshd helm node)
need_pkg() { command -v "$1" >/dev/null 2>&1 || { log "installing $2"; apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need_pkg openssl openssl
need_pkg ssh openssh-client
[ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ] || { log "installing JDK 17"; apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless >/dev/null; }
need_pkg mvn maven
command -v go >/dev/null || { log "Go >= 1.24 is required to build the Go components (Debian's golang-go is too old)"; exit 1; }
t0=$(date +%s)
for c in "${want[@]}"; do
  case "$c" in
    kube) bash "$BED_DIR/provision/etcd.sh"; bash "$BED_DIR/provision/k8s.sh" ;;
    cassandra) bash "$BED_DIR/provision/cassandra.sh" ;;
    minio) bash "$BED_DIR/provision/minio.sh" ;;
    fake-gcs) bash "$BED_DIR/provision/fake-gcs.sh" ;;
    medusa) bash "$BED_DIR/provision/medusa.sh" ;;
    sshd) bash "$BED_DIR/provision/sshd.sh" ;;
    helm) bash "$BED_DIR/provision/helm.sh" ;;
    node) bash "$BED_DIR/provision/node.sh" ;;
    azurite|local) ;; # azurite comes with npm ci; local needs nothing
    *) log "unknown component $c"; exit 2 ;;
  esac
done
log "provisioning done in $(( $(date +%s) - t0 ))s"

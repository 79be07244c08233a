#!/usr/bin/env bash
# OpenSSH's sshd from Debian's package, unpacked into the cache (never installed, so no system sshd
# starts): the test bed runs it on loopback for backup-cluster's SSH fan-out.
. "$(dirname "$0")/lib.sh"
OUT=$CACHE/sshd/debian-bookworm
is_built "$OUT" && { log "sshd cached"; exit 0; }
log "unpacking openssh-server from Debian packages"
rm -rf "$OUT" && mkdir -p "$OUT/debs"
download() { (cd "$OUT/debs" && apt-get download -qq openssh-server libwrap0 2>/dev/null); }
download || { apt-get update -qq && download; }
for deb in "$OUT"/debs/*.deb; do dpkg -x "$deb" "$OUT/root"; done
# Run as root, sshd needs its privilege-separation user; as anyone else it does without.
if [ "$(id -u)" = 0 ] && ! getent passwd sshd >/dev/null; then
  useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd
fi
LD_LIBRARY_PATH=$OUT/root/usr/lib/x86_64-linux-gnu "$OUT/root/usr/sbin/sshd" -V 2>&1 | head -1 >&2 || true
mark_built "$OUT"

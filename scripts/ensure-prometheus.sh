#!/usr/bin/env bash
# Makes Debian's Prometheus available to the project's checks and tests, once, and prints the
# path of the binary asked for (prometheus or promtool):
#   /usr/bin/<tool> when the prometheus package is installed, else the binaries unpacked from
#   Debian's package (apt-get download; `apt-get update` first when apt has no list yet) into
#   ${CALLHOOKS_CACHE:-$HOME/.cache/callhooks}/tools/prometheus-deb. Nothing is installed
#   system-wide and no Prometheus server is started by this script: the package's own service
#   would start one on :9090 scraping nothing of ours, so the tests start their own on loopback.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

tool="${1:-prometheus}"
case "$tool" in prometheus | promtool) ;; *) die "usage: ensure-prometheus.sh [prometheus|promtool]" ;; esac

if [ -x "/usr/bin/$tool" ]; then
  echo "/usr/bin/$tool"
  exit 0
fi

dir="${CALLHOOKS_CACHE:-$HOME/.cache/callhooks}/tools/prometheus-deb"
if [ ! -x "$dir/prometheus" ] || [ ! -x "$dir/promtool" ]; then
  log "fetching Debian's prometheus package (apt-get download; first run only)"
  command -v apt-get >/dev/null || die "$tool not found and no apt-get: install Debian's prometheus package"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  download() { (cd "$work" && apt-get download -q -o APT::Sandbox::User=root prometheus >/dev/null); }
  if ! download; then
    [ "$(id -u)" -eq 0 ] || die "apt-get download prometheus failed; run 'apt-get update' as root first"
    apt-get -o DPkg::Lock::Timeout=300 update -q >/dev/null
    download
  fi
  dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
  mkdir -p "$dir"
  # a temporary name, then a rename: a concurrent run never sees a half-copied binary
  for t in prometheus promtool; do
    cp "$work/x/usr/bin/$t" "$dir/.$t.$$"
    mv "$dir/.$t.$$" "$dir/$t"
  done
fi
echo "$dir/$tool"

#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: Chromium for the browser tests,
# redis-server for the shared rate-limit tests, tini for the image-runtime test (the image's init) and
# sqlite3 for the Workers tests that read what Durable Objects leave on disk.
# Runs before `npm test`; does nothing when they are present. Without root or apt-get it only says
# what is missing: those tests then skip locally (and fail under CI, where they must run).
# kubectl (for the Kubernetes manifests' tests) is checked, not installed: Debian's own
# kubernetes-client is 1.20, whose kustomize is too old for the overlays.
set -u
command -v kubectl >/dev/null 2>&1 ||
  echo "note: kubectl not found; the Kubernetes manifest tests need kubectl 1.27 or later on PATH" >&2
missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${AGATE_CHROMIUM:-}" ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v tini >/dev/null 2>&1 || missing+=(tini)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} from Debian's packages (once)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit $?
fi
echo "note: ${missing[*]} not installed and cannot install them here (needs root and apt-get);" \
  "run: sudo apt-get install ${missing[*]}" >&2
exit 0

#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Parley uses, if any are missing.
# Needs root (or sudo). Safe to run again: it does nothing when all are present.
set -euo pipefail

# One place for the list; README and .ci/run both call this script.
# openssl: a throwaway certificate so the tests can serve wss:// to the openai SDK.
# espeak-ng: the embedded engine's voice (and the test utterances); sox: test audio (noise, resampling).
# python3-pocketsphinx, pocketsphinx-en-us: the embedded engine's speech recognition (a warm Python worker).
# postgresql: the store tests also run against a real PostgreSQL server (initdb/pg_ctl, btree_gist).
# redis-server, nginx: the two-node test runs a real Redis (shared state) and nginx (sticky routing by session id, deploy/nginx/).
# chromium, fonts-dejavu-core: the browser client's end-to-end tests (headless, driven by playwright-core) and its screenshots.
PACKAGES=(openssl espeak-ng sox python3 python3-pocketsphinx pocketsphinx-en-us postgresql redis-server nginx-light chromium fonts-dejavu-core)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

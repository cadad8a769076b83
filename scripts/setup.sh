#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine: the system packages uprez needs (ffmpeg;
# chromium for the browser tests; nginx and redis-server for the multi-instance tests) and the
# npm dependencies. Safe to rerun: it installs only
# what is missing. Elsewhere, install ffmpeg yourself (macOS: brew install ffmpeg) and run npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
# python3, make and g++: npm ci builds the native bicubic kernel (binding.gyp) with node-gyp.
for tool in python3 make g++; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ "${UPREZ_SKIP_BROWSER:-0}" != "1" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
# nginx (WebDAV origin) and redis-server (stream registry) for the multi-instance integration
# tests, which start their own instances on loopback ports; uprez itself needs neither.
# nginx-light has the core dav module (PUT, DELETE, create_full_put_path).
if [ "${UPREZ_SKIP_SCALEOUT:-0}" != "1" ]; then
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing ${missing[*]} with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: please install: ${missing[*]} (no apt-get on this machine)" >&2
    exit 1
  fi
fi

# onnxruntime-node's install script only downloads the CUDA provider (the CPU binaries ship in the
# package): package.json's allowScripts denies it (npm 11.16+), and ONNXRUNTIME_NODE_INSTALL=skip
# tells it to skip where an older npm runs it anyway.
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup: node_modules up to date"
else
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi
# node_modules can be current while an addon is missing (a fresh checkout beside old modules).
[ -f build/Release/uprez_bicubic.node ] && [ -f build/Release/uprez_memory.node ] && [ -f build/Release/uprez_sr.node ] || npm run install

#!/bin/sh
# Installs the Debian packages the test suite needs when they are missing: Chromium for the
# browser tests, a CJK font so Chinese renders in screenshots, PostgreSQL for the second run, Redis for
# the shared rate-limit counts.
set -eu
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
fc-list 2>/dev/null | grep -qi "wenquanyi zen hei" || missing="$missing fonts-wqy-zenhei"
# The server, not just the client: a client-only install has /usr/lib/postgresql/N/bin without initdb.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "The tests need these Debian packages:$missing" >&2
  echo "Install them with: sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "Installing Debian packages:$missing"
# Another apt (unattended upgrades) may hold the lock: wait for it, up to 5 minutes.
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq $missing >/dev/null

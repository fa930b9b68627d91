#!/usr/bin/env bash
# Makes sure what the test suite needs is here and running: PostgreSQL on
# 127.0.0.1:5432 (user postgres, trust), Redis on 127.0.0.1:6379, Debian's
# Chromium, poppler-utils (pdftotext/pdffonts), a CJK font and WeasyPrint's
# Pango. Starts what is installed but stopped; installs Debian packages for
# what is missing (needs root). Prints what it did; exits non-zero if a
# part cannot be had.
set -euo pipefail

PG_HOST=127.0.0.1 PG_PORT=5432 REDIS_PORT=6379
apt_updated=0
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    echo "ensure: apt-get update"; as_root apt-get update -qq >/dev/null || { echo "ensure: apt-get update failed (need root)"; return 1; }
    apt_updated=1
  fi
  echo "ensure: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && exec 3>&- ; }

# --- PostgreSQL -------------------------------------------------------------
if ! port_open $PG_HOST $PG_PORT; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  # Tests connect as postgres over TCP without a password (as on CI).
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  echo "ensure: starting PostgreSQL $ver"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || as_root pg_ctlcluster "$ver" main restart
  for _ in $(seq 1 30); do port_open $PG_HOST $PG_PORT && break; sleep 1; done
fi
port_open $PG_HOST $PG_PORT || { echo "ensure: PostgreSQL is not reachable on $PG_HOST:$PG_PORT"; exit 1; }

# --- Redis --------------------------------------------------------------------
if ! port_open 127.0.0.1 $REDIS_PORT; then
  command -v redis-server >/dev/null || apt_install redis-server
  echo "ensure: starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 20); do port_open 127.0.0.1 $REDIS_PORT && break; sleep 0.5; done
fi
port_open 127.0.0.1 $REDIS_PORT || { echo "ensure: Redis is not reachable on 127.0.0.1:$REDIS_PORT"; exit 1; }
command -v redis-server >/dev/null || apt_install redis-server   # the health test starts its own

# --- Browser, PDF tools, fonts, Pango ---------------------------------------------
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || missing+=(fonts-arphic-uming)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)   # letter headings
[ -f /usr/share/fonts/truetype/hanazono/HanaMinB.ttf ] || missing+=(fonts-hanazono)  # CJK Ext. B in names
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
echo "ensure: PostgreSQL, Redis, Chromium, poppler, fonts ready"

#!/usr/bin/env bash
# Makes sure what the test suite needs is here and running: PostgreSQL on
# 127.0.0.1:5432 (user postgres, trust), Redis on 127.0.0.1:6379, Debian's
# Chromium, poppler-utils (pdftotext/pdffonts), a CJK font and WeasyPrint's
# Pango. Starts what is installed but stopped; installs Debian packages for
# what is missing (needs root). Prints what it did.
# Exit status: 0 all there; 3 everything but PostgreSQL and/or Redis (make
# test then runs only make run's set-up, SQLite + the filesystem broker,
# and says so); 1 another part cannot be had.
# It never stops or restarts a server that is already running (other
# users' tests may be on it).
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
# In functions called with ||, where set -e does not apply: each step says
# itself whether it failed.
services_missing=()
ensure_postgres() {
  port_open $PG_HOST $PG_PORT && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql || return 1
  fi
  local ver hba
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  [ -n "$ver" ] || return 1
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  # Tests connect as postgres over TCP without a password (as on CI).
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba" || return 1
  fi
  echo "ensure: starting PostgreSQL $ver"
  # start only: a cluster that runs but cannot be reached is left alone.
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || return 1
  for _ in $(seq 1 30); do port_open $PG_HOST $PG_PORT && return 0; sleep 1; done
  return 1
}
ensure_postgres || { echo "ensure: PostgreSQL is not reachable on $PG_HOST:$PG_PORT"; services_missing+=(PostgreSQL); }

# --- Redis --------------------------------------------------------------------
ensure_redis() {
  port_open 127.0.0.1 $REDIS_PORT && return 0
  command -v redis-server >/dev/null || apt_install redis-server || return 1
  echo "ensure: starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis || return 1
  redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || return 1
  for _ in $(seq 1 20); do port_open 127.0.0.1 $REDIS_PORT && return 0; sleep 0.5; done
  return 1
}
ensure_redis || { echo "ensure: Redis is not reachable on 127.0.0.1:$REDIS_PORT"; services_missing+=(Redis); }
if [ ${#services_missing[@]} = 0 ]; then
  command -v redis-server >/dev/null || apt_install redis-server   # the health test starts its own
fi

# --- Browser, PDF tools, fonts, Pango ---------------------------------------------
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || missing+=(fonts-arphic-uming)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)   # letter headings
[ -f /usr/share/fonts/truetype/hanazono/HanaMinB.ttf ] || missing+=(fonts-hanazono)  # CJK Ext. B in names
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
# The 仿宋 body face and the 小标宋-like title face, files of
# texlive-lang-chinese (letters/fonts.py SOURCES["fang"], SOURCES["title"]).
fandol=usr/share/texlive/texmf-dist/fonts/opentype/public/fandol
"$(dirname "$0")/extract_font.sh" texlive-lang-chinese \
  $fandol/FandolFang-Regular.otf /usr/local/share/fonts/fandol/FandolFang-Regular.otf \
  $fandol/FandolSong-Bold.otf /usr/local/share/fonts/fandol/FandolSong-Bold.otf \
  || echo "ensure: a Fandol face could not be had; letters fall back to the song and hei faces"
if [ ${#services_missing[@]} -gt 0 ]; then
  echo "ensure: Chromium, poppler, fonts ready; missing: ${services_missing[*]}"
  exit 3
fi
echo "ensure: PostgreSQL, Redis, Chromium, poppler, fonts ready"

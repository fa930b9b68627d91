#!/usr/bin/env bash
# Starts the whole system on one machine: Django's server, a Celery worker
# and Celery beat. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
# Runtime files (SQLite file, broker folders, logs): DJANGO_VAR_DIR, as in settings.
VAR=${DJANGO_VAR_DIR:-var}
mkdir -p "$VAR/broker/queue" "$VAR/broker/control" "$VAR/broker/processed" "$VAR/log"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# supervise NAME CMD...: run CMD, and start it again (after 2 s) whenever it
# dies, so that a worker or beat that crashed (broker gone, killed) comes
# back by itself. Stopped with the rest on Ctrl-C.
supervise() {
  local name=$1; shift
  (
    trap 'kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' INT TERM
    while true; do
      "$@" >>"$VAR/log/$name.log" 2>&1 &
      child=$!
      wait "$child" && status=0 || status=$?
      echo "$(date '+%F %T') $name exited ($status); restarting in 2 s" >>"$VAR/log/$name.log"
      sleep 2
    done
  ) &
  pids+=($!)
}

# Gossip, mingle and heartbeat off: the consumer steps that crashed the
# worker when the broker went away (see config/settings/base.py).
supervise worker $BIN/celery -A config.celery_app worker --loglevel=INFO --concurrency=2 \
  --without-gossip --without-mingle --without-heartbeat
supervise beat $BIN/celery -A config.celery_app beat --loglevel=INFO --pidfile=
$BIN/python manage.py runserver --noreload "$HOST:$PORT" &
pids+=($!)

cat <<MSG

  容错纠错案件管理 is running at  http://$HOST:$PORT/
  Health: http://$HOST:$PORT/healthz   API docs: http://$HOST:$PORT/api/docs/   Admin: http://$HOST:$PORT/admin/
  Demo logins (password demo-pass-2026):
    怀来县: applicant, applicant2, unit_reviewer, intake, inspector1, inspector2,
      supervisor, committee1 … committee6 (1–4 ruled the demo case; 5 and 6 may decide its 复核),
    org_dept (组织部门), admin (case work in both jurisdictions),
    sysadmin, secadmin, auditadmin (system / security / audit administrators),
    昆明市: km_applicant, km_unit_reviewer, km_intake, km_inspector, km_inspector2,
      km_supervisor, km_committee1 … km_committee5, km_org_dept (组织部门)
  Worker and beat logs: $VAR/log/worker.log, $VAR/log/beat.log.  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"

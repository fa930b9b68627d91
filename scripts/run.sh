#!/usr/bin/env bash
# Starts the whole system on one machine: Django's server, a Celery worker
# and Celery beat. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
mkdir -p var/broker/queue var/broker/control var/broker/processed var/log

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$BIN/celery -A config.celery_app worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A config.celery_app beat --loglevel=INFO --pidfile= >var/log/beat.log 2>&1 &
pids+=($!)
$BIN/python manage.py runserver --noreload "$HOST:$PORT" &
pids+=($!)

cat <<MSG

  容错纠错案件管理 is running at  http://$HOST:$PORT/
  Health: http://$HOST:$PORT/healthz   API docs: http://$HOST:$PORT/api/docs/   Admin: http://$HOST:$PORT/admin/
  Demo logins (password demo-pass-2026):
    applicant, applicant2, unit_reviewer, intake, inspector1, inspector2,
    supervisor, committee1, committee2, committee3, admin (case work),
    sysadmin, secadmin, auditadmin (system / security / audit administrators),
    km_applicant, km_intake, km_inspector (昆明市)
  Worker and beat logs: var/log/worker.log, var/log/beat.log.  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"

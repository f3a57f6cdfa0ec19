#!/bin/sh
# Serve the app with an embedded Celery worker (with beat) on the filesystem broker.
# Ctrl-C stops the web server and the worker together.
set -eu
: "${BIN:=.venv/bin}" "${HOST:=127.0.0.1}" "${PORT:=8000}"

"$BIN/celery" -A config worker --beat --concurrency=1 --loglevel=warning \
    --schedule=var/celerybeat-schedule &
worker=$!
stop() {
    kill "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

cat <<MSG

  社工服务项目管理 is running at http://$HOST:$PORT/
  Demo logins (password yantian2024): admin, manager, finance, staff, auditor,
  secadmin, auditadmin; the providers' portal: wenxin, zhengyang
  Press Ctrl-C to stop the web server and the Celery worker.

MSG
"$BIN/python" manage.py runserver "$HOST:$PORT" --noreload

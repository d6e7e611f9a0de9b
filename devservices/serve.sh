#!/usr/bin/env bash
# The web app and `mall worker` together, in the foreground; Ctrl-C (or SIGTERM) stops both.
# Used by `make run`; the serving settings are in gunicorn.conf.py at the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.venv/bin}"
LOG_DIR="${MALL_LOG_DIR:-var/log}"
mkdir -p "$LOG_DIR"
export MALL_ACCESS_LOG="${MALL_ACCESS_LOG:-$LOG_DIR/access.log}"

"$BIN/mall" worker >>"$LOG_DIR/worker.log" 2>&1 &
worker=$!
"$BIN/gunicorn" -c gunicorn.conf.py wsgi:app >>"$LOG_DIR/web.log" 2>&1 &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
  echo "stopped the web app and the worker"
}
trap stop INT TERM EXIT

echo "serving on http://${MALL_BIND:-127.0.0.1:5000} (demo logins in README.md)"
echo "web log: $LOG_DIR/web.log, access log: $MALL_ACCESS_LOG, worker log: $LOG_DIR/worker.log"
# Whichever stops first (a crash) stops the other, so nothing runs half.
wait -n "$web" "$worker" || true

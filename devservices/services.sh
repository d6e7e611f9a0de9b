#!/usr/bin/env bash
# Dev/test services for mall: a real OpenSearch node, a PostgreSQL cluster, localstripe and a
# local SMTP server (aiosmtpd) that keeps every message it receives in a Maildir.
#
#   devservices/services.sh start|stop|status|env
#
# Everything lives under var/ (gitignored): var/log/*.log, var/run/*.pid, var/opensearch/,
# var/postgres/, and var/services.env (MALL_*=... lines; load with `set -a; . var/services.env; set +a`).
#
# Environment:
#   SERVICES              which services (default "opensearch postgres localstripe smtp")
#   MALL_OPENSEARCH_URL   if set to another URL than the local node's: OpenSearch is not started, only checked
#   MALL_DATABASE_URL     if set: PostgreSQL is not started; the URL is passed through to var/services.env
#   OPENSEARCH_HTTP_PORT  (9200)   OPENSEARCH_JAVA_OPTS (-Xms512m -Xmx1g ...)   JAVA_HOME
#   PG_PORT               (54329)
#   LOCALSTRIPE_PORT      (8420)   LOCALSTRIPE_BIN / LOCALSTRIPE_PYTHON: which localstripe install to use
#   LOCALSTRIPE_STORE     pickle file to persist localstripe's data (default: in memory only)
#   SMTP_PORT             (8025)   SMTP_MAILDIR (var/mail): where received messages are kept
#   SMTP_PYTHON           an interpreter with aiosmtpd (default: .venv's python)
#   START_TIMEOUT (180 s), STOP_TIMEOUT (30 s)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VAR="$ROOT/var"
LOG_DIR="$VAR/log"
RUN_DIR="$VAR/run"
ENV_FILE="$VAR/services.env"
SERVICES="${SERVICES:-opensearch postgres localstripe smtp}"
START_TIMEOUT="${START_TIMEOUT:-180}"
STOP_TIMEOUT="${STOP_TIMEOUT:-30}"

# What the caller brought in (before this script sets anything).
EXT_OPENSEARCH_URL="${MALL_OPENSEARCH_URL:-}"
EXT_DATABASE_URL="${MALL_DATABASE_URL:-}"

OS_PORT="${OPENSEARCH_HTTP_PORT:-9200}"
OS_LOCAL_URL="http://127.0.0.1:$OS_PORT"
OS_PROJECT="$ROOT/devservices/opensearch"
OS_JAR="$OS_PROJECT/target/opensearch-launcher-1.0.0.jar"
OS_STAMP="$OS_PROJECT/target/.build-ok"
OS_MAIN="mall.devservices.OpenSearchLauncher"
OS_JAVA_OPTS="${OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true -Dfile.encoding=UTF-8 -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0 -XX:+ExitOnOutOfMemoryError}"

PG_PORT="${PG_PORT:-54329}"
PG_DIR="$VAR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"
# A unix socket path must stay under ~107 bytes; fall back to /tmp for very deep checkouts.
if (( ${#PG_SOCK} > 80 )); then
  PG_SOCK="/tmp/mall-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)"
fi

LS_PORT="${LOCALSTRIPE_PORT:-8420}"
LS_URL="http://127.0.0.1:$LS_PORT"
LS_KEY="sk_test_localstripe"

SMTP_PORT="${SMTP_PORT:-8025}"
SMTP_MAILDIR="${SMTP_MAILDIR:-$VAR/mail}"

record_time() {  # NAME T0_MS: print and append to var/log/startup-times.log
  local secs
  secs="$(secs_since "$2")"
  printf '%s %s started in %ss\n' "$(date -Iseconds)" "$1" "$secs" >>"$LOG_DIR/startup-times.log"
  echo "$secs"
}

say() { printf '[services] %s\n' "$*"; }
err() { printf '[services] error: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

now_ms() { date +%s%3N; }
secs_since() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01d' $((ms / 1000)) $(((ms % 1000) / 100)); }

show_log_tail() {  # file
  if [[ -f "$1" ]]; then
    printf -- '----- last lines of %s -----\n' "$1" >&2
    tail -n 40 "$1" >&2
    printf -- '-----\n' >&2
  fi
}

# pid_alive PIDFILE MARKER: pid file exists, process alive and its command line contains MARKER
pid_alive() {
  local pidfile="$1" marker="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}

# wait_healthy NAME CHECK_FN LOGFILE [PID]: poll until healthy, or fail with the log tail
wait_healthy() {
  local name="$1" check="$2" logfile="$3" pid="${4:-}" deadline=$(( $(date +%s) + START_TIMEOUT ))
  while ! "$check"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      err "$name exited during startup"
      show_log_tail "$logfile"
      return 1
    fi
    if (( $(date +%s) >= deadline )); then
      err "$name not healthy after ${START_TIMEOUT}s"
      show_log_tail "$logfile"
      return 1
    fi
    sleep 0.5
  done
}

# stop_pid NAME PIDFILE MARKER: SIGTERM, wait, SIGKILL after STOP_TIMEOUT
stop_pid() {
  local name="$1" pidfile="$2" marker="$3" pid i
  if ! pid_alive "$pidfile" "$marker"; then
    [[ -f "$pidfile" ]] && say "$name: stale pid file removed"
    rm -f "$pidfile"
    say "$name: not running (not started by this script)"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    err "$name (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "$name: stopped (pid $pid)"
}

# start_detached LOGFILE PIDFILE CMD...: run in the background, in its own session, immune to
# SIGHUP and to Ctrl-C in the calling terminal; stdin from /dev/null, output to LOGFILE.
start_detached() {
  local logfile="$1" pidfile="$2"
  shift 2
  [[ -f "$logfile" ]] && mv -f "$logfile" "$logfile.prev"
  setsid nohup "$@" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# ---------------------------------------------------------------- OpenSearch

os_external() { [[ -n "$EXT_OPENSEARCH_URL" && "${EXT_OPENSEARCH_URL%/}" != "$OS_LOCAL_URL" ]]; }

os_url_healthy() {  # url
  curl -fsS -m 5 "${1%/}/_cluster/health" 2>/dev/null | grep -Eq '"status" *: *"(green|yellow)"'
}
os_healthy() { os_url_healthy "$OS_LOCAL_URL"; }

os_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  elif compgen -G '/usr/lib/jvm/java-17-openjdk-*/bin/java' >/dev/null; then
    compgen -G '/usr/lib/jvm/java-17-openjdk-*/bin/java' | head -n 1
  else
    command -v java || die "no java found: install Java 17 (apt-get install -y openjdk-17-jdk-headless)"
  fi
}

os_build_needed() {
  [[ -f "$OS_STAMP" && -f "$OS_JAR" && -d "$OS_PROJECT/target/lib" ]] || return 0
  [[ -n "$(find "$OS_PROJECT/pom.xml" "$OS_PROJECT/src" -newer "$OS_STAMP" -print -quit)" ]]
}

os_build() {
  local t0 buildlog="$LOG_DIR/opensearch-build.log"
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install -y maven)"
  t0=$(now_ms)
  say "opensearch: building the launcher (mvn package; the first build downloads ~60 MB from Maven Central)"
  # Offline first (fast, works without network once ~/.m2 is filled), then online.
  if ! (cd "$OS_PROJECT" && mvn -B -q -o package) >"$buildlog" 2>&1; then
    if ! (cd "$OS_PROJECT" && mvn -B -q package) >>"$buildlog" 2>&1; then
      err "opensearch: maven build failed"
      show_log_tail "$buildlog"
      return 1
    fi
  fi
  touch "$OS_STAMP"
  say "opensearch: built in $(secs_since "$t0")s"
}

os_start() {
  local pidfile="$RUN_DIR/opensearch.pid" logfile="$LOG_DIR/opensearch.log" t0 pid java
  if os_external; then
    os_url_healthy "$EXT_OPENSEARCH_URL" \
      || die "opensearch: MALL_OPENSEARCH_URL=$EXT_OPENSEARCH_URL is not healthy (GET /_cluster/health)"
    say "opensearch: using MALL_OPENSEARCH_URL=$EXT_OPENSEARCH_URL (not started here)"
    return 0
  fi
  if pid_alive "$pidfile" "$OS_MAIN" && os_healthy; then
    say "opensearch: already running (pid $(cat "$pidfile")), $OS_LOCAL_URL"
    return 0
  fi
  if pid_alive "$pidfile" "$OS_MAIN"; then
    # Started but not healthy yet (e.g. a parallel start): wait for it.
    pid="$(cat "$pidfile")"
    wait_healthy opensearch os_healthy "$logfile" "$pid" || return 1
    say "opensearch: running (pid $pid), $OS_LOCAL_URL"
    return 0
  fi
  rm -f "$pidfile"
  if os_healthy; then
    say "opensearch: something not started by this script already answers on $OS_LOCAL_URL: using it"
    return 0
  fi
  if os_build_needed; then os_build || return 1; fi
  java="$(os_java)"
  mkdir -p "$VAR/opensearch"
  t0=$(now_ms)
  # shellcheck disable=SC2086  # OS_JAVA_OPTS is a list of options
  start_detached "$logfile" "$pidfile" "$java" $OS_JAVA_OPTS \
    -cp "$OS_JAR:$OS_PROJECT/target/lib/*" "$OS_MAIN" \
    --home "$VAR/opensearch" --http-port "$OS_PORT"
  pid="$(cat "$pidfile")"
  wait_healthy opensearch os_healthy "$logfile" "$pid" || return 1
  say "opensearch: started in $(record_time opensearch "$t0")s (pid $pid), $OS_LOCAL_URL"
}

os_stop() {
  os_external && { say "opensearch: external ($EXT_OPENSEARCH_URL), nothing to stop"; return 0; }
  stop_pid opensearch "$RUN_DIR/opensearch.pid" "$OS_MAIN"
}

os_status() {
  if os_external; then
    if os_url_healthy "$EXT_OPENSEARCH_URL"; then echo "opensearch   healthy    $EXT_OPENSEARCH_URL (external)"
    else echo "opensearch   UNHEALTHY  $EXT_OPENSEARCH_URL (external)"; return 1; fi
  elif os_healthy; then
    if pid_alive "$RUN_DIR/opensearch.pid" "$OS_MAIN"; then
      echo "opensearch   healthy    $OS_LOCAL_URL (pid $(cat "$RUN_DIR/opensearch.pid"))"
    else
      echo "opensearch   healthy    $OS_LOCAL_URL (not started by this script)"
    fi
  elif pid_alive "$RUN_DIR/opensearch.pid" "$OS_MAIN"; then
    echo "opensearch   starting/unhealthy  $OS_LOCAL_URL (pid $(cat "$RUN_DIR/opensearch.pid"))"; return 1
  else
    echo "opensearch   stopped"; return 1
  fi
}

# ---------------------------------------------------------------- PostgreSQL

pg_external() { [[ -n "$EXT_DATABASE_URL" ]]; }

pg_bin() { compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 | xargs -r dirname; }

pg_ensure_installed() {
  if [[ -z "$(pg_bin)" ]]; then
    [[ $EUID -eq 0 ]] || die "postgres: PostgreSQL is not installed (sudo apt-get install -y postgresql)"
    say "postgres: installing the Debian postgresql package"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
    [[ -n "$(pg_bin)" ]] || die "postgres: initdb still missing after apt-get install postgresql"
  fi
}

# Run as the postgres OS user when we are root (initdb and postgres refuse to run as root).
as_pg() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_healthy() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 3 >/dev/null 2>&1; }

pg_running() { [[ -f "$PG_DATA/postmaster.pid" ]] && as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

pg_prepare_dirs() {
  mkdir -p "$PG_DATA" "$PG_SOCK" "$LOG_DIR"
  touch "$LOG_DIR/postgres.log"
  if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$PG_DIR" "$PG_DATA" "$PG_SOCK" "$LOG_DIR/postgres.log"
    # The postgres user must be able to traverse every parent directory of var/postgres.
    local d="$PG_DIR"
    while [[ "$d" != "/" ]]; do
      d="$(dirname "$d")"
      if ! runuser -u postgres -- test -x "$d"; then
        say "postgres: chmod o+x $d (so the postgres user can reach var/postgres)"
        chmod o+x "$d"
      fi
    done
  fi
  chmod 700 "$PG_DATA"
}

pg_init() {
  local bin locale_opt=(--no-locale)
  bin="$(pg_bin)"
  # C.UTF-8 rather than C, so that lower()/upper()/ILIKE handle non-ASCII text.
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale_opt=(--locale=C.UTF-8); fi
  say "postgres: initdb $PG_DATA"
  as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 "${locale_opt[@]}" \
    --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/postgres-initdb.log" 2>&1 \
    || { err "postgres: initdb failed"; show_log_tail "$LOG_DIR/postgres-initdb.log"; return 1; }
  echo "include_if_exists = 'mall.conf'" >>"$PG_DATA/postgresql.conf"
}

pg_write_conf() {
  cat >"$PG_DATA/mall.conf" <<EOF
# Written by devservices/services.sh on every start; edit there.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
shared_buffers = 128MB
# DEV/TEST CLUSTER ONLY: durability is traded for speed. A crash of the machine can lose or
# corrupt this cluster's data; never copy these three settings to a cluster holding real data.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  [[ $EUID -eq 0 ]] && chown postgres:postgres "$PG_DATA/mall.conf"
  return 0
}

pg_setup_db() {
  local bin
  bin="$(pg_bin)"
  "$bin/psql" -X -q -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'EOF'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mall') THEN
    CREATE ROLE mall LOGIN CREATEDB PASSWORD 'mall';
  END IF;
END
$$;
SELECT format('CREATE DATABASE %I OWNER mall', d)
  FROM unnest(ARRAY['mall_test', 'mall_dev']) AS d
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d)
\gexec
EOF
}

pg_start() {
  local pidfile="$RUN_DIR/postgres.pid" logfile="$LOG_DIR/postgres.log" t0 bin
  if pg_external; then
    say "postgres: MALL_DATABASE_URL is set: not started here, passed through"
    return 0
  fi
  pg_ensure_installed
  bin="$(pg_bin)"
  if pg_running && pg_healthy; then
    head -n 1 "$PG_DATA/postmaster.pid" >"$pidfile"
    pg_setup_db
    say "postgres: already running (pid $(cat "$pidfile")), 127.0.0.1:$PG_PORT"
    return 0
  fi
  t0=$(now_ms)
  pg_prepare_dirs
  [[ -f "$PG_DATA/PG_VERSION" ]] || pg_init || return 1
  pg_write_conf
  if ! pg_running; then
    [[ -f "$logfile" && -s "$logfile" ]] && { mv -f "$logfile" "$logfile.prev"; pg_prepare_dirs; }
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$logfile" -w -t "$START_TIMEOUT" start >/dev/null \
      || { err "postgres: pg_ctl start failed"; show_log_tail "$logfile"; return 1; }
  fi
  wait_healthy postgres pg_healthy "$logfile" || return 1
  head -n 1 "$PG_DATA/postmaster.pid" >"$pidfile"
  pg_setup_db || { err "postgres: creating role/databases failed"; return 1; }
  say "postgres: started in $(record_time postgres "$t0")s (pid $(cat "$pidfile")), 127.0.0.1:$PG_PORT"
}

pg_stop() {
  pg_external && { say "postgres: external (MALL_DATABASE_URL), nothing to stop"; return 0; }
  local bin
  bin="$(pg_bin)"
  if [[ -n "$bin" ]] && pg_running; then
    as_pg "$bin/pg_ctl" -D "$PG_DATA" stop -m fast -w -t "$STOP_TIMEOUT" >/dev/null \
      || as_pg "$bin/pg_ctl" -D "$PG_DATA" stop -m immediate -w >/dev/null \
      || err "postgres: pg_ctl stop failed"
    say "postgres: stopped"
  else
    say "postgres: not running"
  fi
  rm -f "$RUN_DIR/postgres.pid"
}

pg_status() {
  if pg_external; then echo "postgres     external   MALL_DATABASE_URL (not checked)"
  elif [[ -n "$(pg_bin)" ]] && pg_healthy; then
    echo "postgres     healthy    127.0.0.1:$PG_PORT (pid $(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || echo '?'))"
  else echo "postgres     stopped"; return 1; fi
}

# ---------------------------------------------------------------- localstripe

# The Python interpreter that has localstripe installed.
ls_python() {
  local bin
  if [[ -n "${LOCALSTRIPE_PYTHON:-}" ]]; then echo "$LOCALSTRIPE_PYTHON"; return; fi
  bin="${LOCALSTRIPE_BIN:-}"
  [[ -z "$bin" && -x "$ROOT/.venv/bin/localstripe" ]] && bin="$ROOT/.venv/bin/localstripe"
  if [[ -n "$bin" ]]; then
    # A console script: its shebang names the venv's interpreter.
    head -n 1 "$bin" | sed -n 's/^#! *\([^ ]*\).*/\1/p'
    return
  fi
  if python3 -c 'import localstripe' 2>/dev/null; then command -v python3; return; fi
  die "localstripe: not installed (make install puts it in .venv; or pip install localstripe==1.15.10 and set LOCALSTRIPE_BIN)"
}

ls_healthy() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 3 -u "$LS_KEY:" "$LS_URL/v1/customers?limit=1" 2>/dev/null)" == 200 ]]
}

ls_start() {
  local pidfile="$RUN_DIR/localstripe.pid" logfile="$LOG_DIR/localstripe.log" t0 pid py store_args=()
  if pid_alive "$pidfile" localstripe_server.py && ls_healthy; then
    say "localstripe: already running (pid $(cat "$pidfile")), $LS_URL"
    return 0
  fi
  if pid_alive "$pidfile" localstripe_server.py; then
    pid="$(cat "$pidfile")"
    wait_healthy localstripe ls_healthy "$logfile" "$pid" || return 1
    say "localstripe: running (pid $pid), $LS_URL"
    return 0
  fi
  rm -f "$pidfile"
  if ls_healthy; then
    say "localstripe: something not started by this script already answers on $LS_URL: using it"
    return 0
  fi
  py="$(ls_python)"
  [[ -n "$py" && -x "$py" ]] || die "localstripe: no usable python interpreter (got '$py')"
  [[ -n "${LOCALSTRIPE_STORE:-}" ]] && store_args=(--store "$LOCALSTRIPE_STORE")
  t0=$(now_ms)
  # localstripe's own entry point binds every interface ('::'); the wrapper binds 127.0.0.1 only.
  start_detached "$logfile" "$pidfile" "$py" "$ROOT/devservices/localstripe_server.py" \
    --host 127.0.0.1 --port "$LS_PORT" "${store_args[@]}"
  pid="$(cat "$pidfile")"
  wait_healthy localstripe ls_healthy "$logfile" "$pid" || return 1
  say "localstripe: started in $(record_time localstripe "$t0")s (pid $pid), $LS_URL"
}

ls_stop() { stop_pid localstripe "$RUN_DIR/localstripe.pid" localstripe_server.py; }

ls_status() {
  if ls_healthy; then
    if pid_alive "$RUN_DIR/localstripe.pid" localstripe_server.py; then
      echo "localstripe  healthy    $LS_URL (pid $(cat "$RUN_DIR/localstripe.pid"))"
    else
      echo "localstripe  healthy    $LS_URL (not started by this script)"
    fi
  else echo "localstripe  stopped"; return 1; fi
}

# ---------------------------------------------------------------- SMTP (aiosmtpd)

# The Python interpreter that has aiosmtpd (the project's venv after make install).
smtp_python() {
  if [[ -n "${SMTP_PYTHON:-}" ]]; then echo "$SMTP_PYTHON"; return; fi
  if [[ -x "$ROOT/.venv/bin/python" ]] && "$ROOT/.venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    echo "$ROOT/.venv/bin/python"; return
  fi
  if python3 -c 'import aiosmtpd' 2>/dev/null; then command -v python3; return; fi
  die "smtp: aiosmtpd is not installed (make install puts it in .venv; or pip install aiosmtpd)"
}

# Healthy: the port answers with an SMTP greeting (220).
smtp_healthy() {
  local line=""
  { exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT"; } 2>/dev/null || return 1
  IFS= read -r -t 3 line <&3 || true
  printf 'QUIT\r\n' >&3 2>/dev/null || true
  exec 3<&- 3>&-
  [[ "$line" == 220* ]]
}

smtp_start() {
  local pidfile="$RUN_DIR/smtp.pid" logfile="$LOG_DIR/smtp.log" t0 pid py
  if pid_alive "$pidfile" smtp_server.py && smtp_healthy; then
    say "smtp: already running (pid $(cat "$pidfile")), 127.0.0.1:$SMTP_PORT -> $SMTP_MAILDIR"
    return 0
  fi
  if pid_alive "$pidfile" smtp_server.py; then
    pid="$(cat "$pidfile")"
    wait_healthy smtp smtp_healthy "$logfile" "$pid" || return 1
    say "smtp: running (pid $pid), 127.0.0.1:$SMTP_PORT"
    return 0
  fi
  rm -f "$pidfile"
  if smtp_healthy; then
    die "smtp: something not started by this script answers on 127.0.0.1:$SMTP_PORT; its mail would not reach $SMTP_MAILDIR (set SMTP_PORT)"
  fi
  py="$(smtp_python)"
  [[ -n "$py" && -x "$py" ]] || die "smtp: no python interpreter with aiosmtpd (got '$py')"
  mkdir -p "$SMTP_MAILDIR"
  t0=$(now_ms)
  start_detached "$logfile" "$pidfile" "$py" "$ROOT/devservices/smtp_server.py" \
    --host 127.0.0.1 --port "$SMTP_PORT" --maildir "$SMTP_MAILDIR"
  pid="$(cat "$pidfile")"
  wait_healthy smtp smtp_healthy "$logfile" "$pid" || return 1
  say "smtp: started in $(record_time smtp "$t0")s (pid $pid), 127.0.0.1:$SMTP_PORT -> $SMTP_MAILDIR"
}

smtp_stop() { stop_pid smtp "$RUN_DIR/smtp.pid" smtp_server.py; }

smtp_status() {
  if smtp_healthy && pid_alive "$RUN_DIR/smtp.pid" smtp_server.py; then
    echo "smtp         healthy    127.0.0.1:$SMTP_PORT (pid $(cat "$RUN_DIR/smtp.pid")) -> $SMTP_MAILDIR"
  elif smtp_healthy; then
    echo "smtp         healthy    127.0.0.1:$SMTP_PORT (not started by this script)"
  else echo "smtp         stopped"; return 1; fi
}

# ---------------------------------------------------------------- env file

# var/services.env lists what is usable now (every service, whatever SERVICES says).
write_env() {
  local tmp="$ENV_FILE.tmp"
  {
    if os_external; then
      echo "MALL_OPENSEARCH_URL=$EXT_OPENSEARCH_URL"
    elif os_healthy; then
      echo "MALL_OPENSEARCH_URL=$OS_LOCAL_URL"
    fi
    if pg_external; then
      echo "MALL_DATABASE_URL=$EXT_DATABASE_URL"
      [[ -n "${MALL_TEST_DATABASE_URL:-}" ]] && echo "MALL_TEST_DATABASE_URL=$MALL_TEST_DATABASE_URL"
      [[ -n "${MALL_DEV_DATABASE_URL:-}" ]] && echo "MALL_DEV_DATABASE_URL=$MALL_DEV_DATABASE_URL"
    elif [[ -n "$(pg_bin)" ]] && pg_healthy; then
      echo "MALL_TEST_DATABASE_URL=postgresql+psycopg://mall:mall@127.0.0.1:$PG_PORT/mall_test"
      echo "MALL_DEV_DATABASE_URL=postgresql+psycopg://mall:mall@127.0.0.1:$PG_PORT/mall_dev"
    fi
    if ls_healthy; then
      echo "MALL_STRIPE_API_BASE=$LS_URL"
      echo "MALL_STRIPE_SECRET_KEY=$LS_KEY"
      echo "MALL_STRIPE_WEBHOOK_SECRET=whsec_localstripe"
    fi
    if pid_alive "$RUN_DIR/smtp.pid" smtp_server.py && smtp_healthy; then
      echo "MALL_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT"
      echo "MALL_SMTP_MAILDIR=$SMTP_MAILDIR"
    fi
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------- main

for_each() {  # ACTION: run opensearch|postgres|localstripe|smtp ACTION for each selected service
  local action="$1" s rc=0
  for s in $SERVICES; do
    case "$s" in
      opensearch) "os_$action" || rc=1 ;;
      postgres) "pg_$action" || rc=1 ;;
      localstripe) "ls_$action" || rc=1 ;;
      smtp) "smtp_$action" || rc=1 ;;
      *) err "unknown service '$s' in SERVICES (known: opensearch postgres localstripe smtp)"; rc=1 ;;
    esac
    if [[ "$action" == start && $rc -ne 0 ]]; then return 1; fi
  done
  return "$rc"
}

main() {
  local cmd="${1:-}" t0
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  case "$cmd" in
    start)
      t0=$(now_ms)
      for_each start || { write_env; die "start failed"; }
      write_env
      say "all healthy in $(secs_since "$t0")s; wrote ${ENV_FILE#"$ROOT"/}"
      ;;
    stop)
      for_each stop || true
      write_env
      ;;
    status)
      for_each status
      ;;
    env)
      write_env
      cat "$ENV_FILE"
      ;;
    *)
      echo "usage: SERVICES='opensearch postgres localstripe smtp' $0 start|stop|status|env" >&2
      exit 2
      ;;
  esac
}

main "$@"

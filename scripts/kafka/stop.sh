#!/usr/bin/env bash
# Stop the broker started by scripts/kafka/start.sh for this KAFKA_HOME / KAFKA_PORT.
# SIGTERM (controlled shutdown), wait up to KAFKA_STOP_TIMEOUT (20 s), then SIGKILL.
# Idempotent: exits 0 if it is not running.
#   --wipe   also delete the instance's data (next start formats a fresh cluster)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"

KAFKA_HOME="${KAFKA_HOME:-$REPO/.kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"

wipe=0
for arg in "$@"; do
  case "$arg" in
    --wipe) wipe=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "[kafka:stop] unknown argument: $arg (usage: stop.sh [--wipe])" >&2; exit 2 ;;
  esac
done

log() { echo "[kafka:stop] $*" >&2; }

if [[ ! -d "$KAFKA_HOME" ]]; then log "not running (no $KAFKA_HOME)"; exit 0; fi
KAFKA_HOME="$(cd "$KAFKA_HOME" && pwd)"
INST="$KAFKA_HOME/broker-$KAFKA_PORT"
PIDFILE="$INST/kafka.pid"
CONF="$INST/config"

[[ -d "$INST" ]] || { log "not running (port $KAFKA_PORT)"; exit 0; }
# same lock as start.sh: a stop (or --wipe) never interleaves with a start of this instance
exec 9>"$INST/.start.lock"
flock -w 180 9 || log "warning: a start.sh of this instance holds the lock; stopping anyway"

pid=""
if [[ -f "$PIDFILE" ]]; then
  p="$(cat "$PIDFILE" 2>/dev/null || true)"
  # only signal the pid if it really is this instance's JVM (pid files can go stale)
  if [[ "$p" =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null &&
     tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONF/server.properties"; then
    pid="$p"
  fi
fi

if [[ -n "$pid" ]]; then
  log "stopping broker on port $KAFKA_PORT (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  log "stopped"
else
  log "not running (port $KAFKA_PORT)"
fi
rm -f "$PIDFILE"

if ((wipe)); then
  log "wiping $INST/data"
  rm -rf "$INST/data" "$INST/version"
fi

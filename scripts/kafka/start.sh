#!/usr/bin/env bash
# Start a single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for tests and
# local runs. Jars come from Maven Central through Maven (scripts/kafka/pom.xml).
#
# Contract: returns 0 only once the broker answers a Metadata request on localhost:$KAFKA_PORT.
# Idempotent: if this instance is already running, it returns 0 quickly.
#
# Env:
#   KAFKA_VERSION          Kafka version from Maven Central        (default 3.9.2)
#   KAFKA_HOME             jar cache + instances                    (default <repo>/.kafka)
#   KAFKA_PORT             PLAINTEXT listener, advertised localhost (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener                (default KAFKA_PORT+1)
#   KAFKA_HEAP_OPTS        JVM heap                                 (default -Xms128m -Xmx512m)
#   KAFKA_OPTS             more JVM options, appended (last wins)   (optional)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness            (default 120)
#   KAFKA_EXTRA_PROPERTIES extra server.properties lines, newline separated (optional)
#   JAVA                   java binary                              (default $JAVA_HOME/bin/java or java)
#
# Layout: $KAFKA_HOME/jars-<version>/  (shared)
#         $KAFKA_HOME/broker-<port>/{data,logs/server.log,config,kafka.pid,version}
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"

KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
KAFKA_HOME="${KAFKA_HOME:-$REPO/.kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
KAFKA_EXTRA_PROPERTIES="${KAFKA_EXTRA_PROPERTIES:-}"
if [[ -z "${JAVA:-}" ]]; then
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
fi

mkdir -p "$KAFKA_HOME"
KAFKA_HOME="$(cd "$KAFKA_HOME" && pwd)"
JARS="$KAFKA_HOME/jars-$KAFKA_VERSION"
INST="$KAFKA_HOME/broker-$KAFKA_PORT"
DATA="$INST/data"
LOGS="$INST/logs"
CONF="$INST/config"
PIDFILE="$INST/kafka.pid"
LOG="$LOGS/server.log"
OUT="$LOGS/kafkaServer.out"

log() { echo "[kafka:start] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

show_logs() {
  if [[ -s "$LOG" ]]; then
    log "last 50 lines of $LOG:"
    tail -n 50 "$LOG" >&2
  fi
  if [[ -s "$OUT" ]]; then
    log "last 50 lines of $OUT:"
    tail -n 50 "$OUT" >&2
  fi
}

# pid of this instance's broker if it is alive, else nothing
running_pid() {
  [[ -f "$PIDFILE" ]] || return 0
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONF/server.properties"; then
    echo "$pid"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# One Metadata (v4) request over the Kafka wire protocol; succeeds when the broker lists
# itself. Plain node, no kafkajs needed. v4 is served by Kafka 1.0 up to 4.x.
metadata_ok() {
  if ! command -v node >/dev/null 2>&1; then
    # fallback without node: port open and the broker said it started
    port_open "$KAFKA_PORT" && grep -q "Kafka Server started\|\[KafkaRaftServer nodeId=1\] Kafka Server started" "$LOG" 2>/dev/null
    return
  fi
  PROBE_PORT="$KAFKA_PORT" node - <<'EOF' 2>/dev/null
const net = require('net');
const port = Number(process.env.PROBE_PORT);
const clientId = Buffer.from('driftwatch-probe');
const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
let o = 0;
o = body.writeInt16BE(3, o);          // api_key Metadata
o = body.writeInt16BE(4, o);          // api_version 4
o = body.writeInt32BE(7, o);          // correlation_id
o = body.writeInt16BE(clientId.length, o); o += clientId.copy(body, o);
o = body.writeInt32BE(-1, o);         // topics: null = all
o = body.writeInt8(0, o);             // allow_auto_topic_creation
const len = Buffer.alloc(4); len.writeInt32BE(body.length);
const sock = net.connect({ host: '127.0.0.1', port });
const timer = setTimeout(() => { sock.destroy(); process.exit(1); }, 2000);
let buf = Buffer.alloc(0);
sock.on('connect', () => sock.write(Buffer.concat([len, body])));
sock.on('error', () => process.exit(1));
sock.on('close', () => process.exit(1));
sock.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
  clearTimeout(timer);
  let p = 4;
  const corr = buf.readInt32BE(p); p += 4;
  p += 4;                               // throttle_time_ms
  const n = buf.readInt32BE(p); p += 4; // brokers
  let found = false;
  for (let i = 0; i < n; i++) {
    p += 4;                             // node_id
    const hl = buf.readInt16BE(p); p += 2 + hl;
    const bport = buf.readInt32BE(p); p += 4;
    const rl = buf.readInt16BE(p); p += 2 + Math.max(rl, 0);
    if (bport === port) found = true;
  }
  sock.destroy();
  process.exit(corr === 7 && found ? 0 : 1);
});
EOF
}

wait_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker process $pid exited during startup"
      show_logs
      rm -f "$PIDFILE"
      exit 1
    fi
    if port_open "$KAFKA_PORT" && metadata_ok; then return 0; fi
    sleep 0.3
  done
  log "broker not ready after ${KAFKA_START_TIMEOUT}s (pid $pid still running; stop it with scripts/kafka/stop.sh)"
  show_logs
  exit 1
}

mkdir -p "$INST"
# serialise concurrent start.sh calls for the same instance
exec 9>"$INST/.start.lock"
flock 9

# --- already running? ---------------------------------------------------------------------
pid="$(running_pid)"
if [[ -n "$pid" ]]; then
  if [[ -f "$INST/version" && "$(cat "$INST/version")" != "$KAFKA_VERSION" ]]; then
    log "note: running broker is Kafka $(cat "$INST/version"), not $KAFKA_VERSION"
  fi
  wait_ready "$pid"
  log "already running: localhost:$KAFKA_PORT (pid $pid, log $LOG)"
  exit 0
fi
rm -f "$PIDFILE"

if port_open "$KAFKA_PORT"; then die "port $KAFKA_PORT is in use by another process (not this instance: $INST)"; fi
if port_open "$KAFKA_CONTROLLER_PORT"; then die "controller port $KAFKA_CONTROLLER_PORT is in use (set KAFKA_CONTROLLER_PORT)"; fi

# --- data formatted by another version? ----------------------------------------------------
if [[ -f "$INST/version" && -f "$DATA/meta.properties" && "$(cat "$INST/version")" != "$KAFKA_VERSION" ]]; then
  die "$DATA was formatted by Kafka $(cat "$INST/version"), not $KAFKA_VERSION; run scripts/kafka/stop.sh --wipe first (KAFKA_PORT=$KAFKA_PORT)"
fi

# --- jars (cached) ------------------------------------------------------------------------
if [[ ! -f "$JARS/.complete" ]]; then
  command -v mvn >/dev/null 2>&1 || die "mvn not found (needed once to fetch Kafka $KAFKA_VERSION jars into $JARS)"
  exec 8>"$KAFKA_HOME/.fetch-$KAFKA_VERSION.lock"
  flock 8
  if [[ ! -f "$JARS/.complete" ]]; then
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $JARS ..."
    tmp="$JARS.tmp.$$"
    rm -rf "$tmp"
    profile=(-Pkafka3)
    if [[ "${KAFKA_VERSION%%.*}" -ge 4 ]]; then profile=(-Pkafka4); fi
    mvnlog="$KAFKA_HOME/mvn-$KAFKA_VERSION.log"
    if ! mvn -B -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" "${profile[@]}" \
        -Dkafka.version="$KAFKA_VERSION" \
        org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime >"$mvnlog" 2>&1; then
      rm -rf "$tmp"
      grep -E "ERROR|FAIL" "$mvnlog" | head -20 >&2 || true
      die "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full output: $mvnlog)"
    fi
    ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar in $tmp"
    touch "$tmp/.complete"
    rm -rf "$JARS"
    mv "$tmp" "$JARS"
    rm -rf "$SCRIPT_DIR/target"
  fi
  flock -u 8
fi

# --- config (rewritten each start so port changes apply) ----------------------------------
mkdir -p "$DATA" "$LOGS" "$CONF"
cat >"$CONF/server.properties" <<EOF
# generated by scripts/kafka/start.sh
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://localhost:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
$KAFKA_EXTRA_PROPERTIES
EOF

cat >"$CONF/log4j.properties" <<EOF
# Kafka 3.x (reload4j). Everything goes to $LOG, nothing to the console.
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$LOG
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF

cat >"$CONF/log4j2.properties" <<EOF
# Kafka 4.x (log4j2). Everything goes to $LOG, nothing to the console.
status = warn
name = kafka
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $LOG
appender.file.filePattern = $LOG.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
EOF

JVM_OPTS=(
  $KAFKA_HEAP_OPTS
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
  -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1
  -Djava.awt.headless=true
  -Dkafka.logs.dir="$LOGS"
  -Dlog4j.configuration="file:$CONF/log4j.properties"
  -Dlog4j2.configurationFile="$CONF/log4j2.properties"
  ${KAFKA_OPTS:-}
)
CP="$JARS/*"

# --- format storage on first use ----------------------------------------------------------
if [[ ! -f "$DATA/meta.properties" ]]; then
  # Kafka cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints)
  cluster_id=""
  while [[ -z "$cluster_id" || "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  log "formatting KRaft storage in $DATA (cluster id $cluster_id)"
  if ! "$JAVA" "${JVM_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$CONF/server.properties" --ignore-formatted >"$LOGS/format.log" 2>&1; then
    cat "$LOGS/format.log" >&2
    die "storage format failed"
  fi
fi
echo "$KAFKA_VERSION" >"$INST/version"

# --- launch -------------------------------------------------------------------------------
log "starting Kafka $KAFKA_VERSION on localhost:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT); log: $LOG"
echo "---- $(date -Is) start Kafka $KAFKA_VERSION" >>"$OUT"
# setsid: own session, so the caller's Ctrl-C / process-group kill does not take it down;
# the inner shell writes its own pid and execs java, so the pid file holds the JVM's pid.
setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
  "$JAVA" "${JVM_OPTS[@]}" -cp "$CP" kafka.Kafka "$CONF/server.properties" \
  </dev/null >>"$OUT" 2>&1 9>&- 8>&- &
for _ in $(seq 1 50); do [[ -s "$PIDFILE" ]] && break; sleep 0.1; done
pid="$(cat "$PIDFILE" 2>/dev/null || true)"
[[ -n "$pid" ]] || die "could not start java"

wait_ready "$pid"
log "ready: localhost:$KAFKA_PORT (Kafka $KAFKA_VERSION, pid $pid, log $LOG)"

#!/usr/bin/env bash
# Start a second local broker (scripts/kafka/start.sh underneath) with authenticated and encrypted
# listeners, for the security tests and for trying driftwatch's kafka.sasl / kafka.tls settings:
#
#   PLAINTEXT      127.0.0.1:$SECURE_KAFKA_PORT       (readiness probe and inter-broker only)
#   CONTROLLER     127.0.0.1:$SECURE_KAFKA_PORT+1
#   SASL_PLAINTEXT 127.0.0.1:$SECURE_KAFKA_PORT+2     SASL/PLAIN, user $SECURE_KAFKA_USER
#   SSL            127.0.0.1:$SECURE_KAFKA_PORT+3     TLS, server certificate signed by a fresh CA
#   SASL_SSL       127.0.0.1:$SECURE_KAFKA_PORT+4     SASL/PLAIN inside TLS
#
# A CA and the broker's key and certificate (CN localhost, SAN localhost and 127.0.0.1) are made
# with openssl at first start into $KAFKA_HOME/secure-$SECURE_KAFKA_PORT/ (ca.pem is what a client
# trusts); the broker reads them as a PKCS12 keystore. Prints the ports and the CA path.
#
# Env:
#   SECURE_KAFKA_PORT      base port                         (default 39492)
#   SECURE_KAFKA_USER      SASL/PLAIN user                   (default driftwatch)
#   SECURE_KAFKA_PASSWORD  its password                      (default driftwatch-secret-0123456789)
#   KAFKA_HOME, KAFKA_VERSION, KAFKA_HEAP_OPTS, ...          as for start.sh
# Stop it with scripts/kafka/stop-secure.sh.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"

PORT="${SECURE_KAFKA_PORT:-39492}"
USER_NAME="${SECURE_KAFKA_USER:-driftwatch}"
PASSWORD="${SECURE_KAFKA_PASSWORD:-driftwatch-secret-0123456789}"
KAFKA_HOME="${KAFKA_HOME:-$REPO/.kafka}"
mkdir -p "$KAFKA_HOME"
KAFKA_HOME="$(cd "$KAFKA_HOME" && pwd)"
SECRETS="$KAFKA_HOME/secure-$PORT"
SASL_PORT=$((PORT + 2))
SSL_PORT=$((PORT + 3))
SASL_SSL_PORT=$((PORT + 4))

log() { echo "[kafka:start-secure] $*" >&2; }

for c in '"' '\' ';'; do
  [[ "$USER_NAME$PASSWORD" != *"$c"* ]] || { log "ERROR: SECURE_KAFKA_USER/PASSWORD must not contain $c (JAAS syntax)"; exit 1; }
done

# --- certificates (once per instance) -------------------------------------------------------
mkdir -p "$SECRETS"
chmod 700 "$SECRETS"
if [[ ! -f "$SECRETS/broker.p12" ]]; then
  command -v openssl >/dev/null 2>&1 || { log "ERROR: openssl not found (needed to make the test CA)"; exit 1; }
  log "making a test CA and a broker certificate in $SECRETS"
  (
    cd "$SECRETS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=driftwatch test CA" \
      -keyout ca-key.pem -out ca.pem >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout broker-key.pem -out broker.csr >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 \
      -extfile broker.ext -out broker.pem >/dev/null 2>&1
    # A keystore password is required by the format; it guards nothing here (the folder is 0700).
    openssl pkcs12 -export -in broker.pem -inkey broker-key.pem -certfile ca.pem -name broker \
      -passout pass:keystore-password -out broker.p12.tmp
    mv broker.p12.tmp broker.p12
    rm -f broker.csr broker.ext ca.srl
  )
fi

JAAS="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$USER_NAME\" password=\"$PASSWORD\" user_$USER_NAME=\"$PASSWORD\";"

# start.sh writes server.properties with its own listeners; these lines come after them and win.
export KAFKA_EXTRA_PROPERTIES="
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$((PORT + 1)),SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$SSL_PORT,SASL_SSL://127.0.0.1:$SASL_SSL_PORT
advertised.listeners=PLAINTEXT://localhost:$PORT,SASL_PLAINTEXT://localhost:$SASL_PORT,SSL://localhost:$SSL_PORT,SASL_SSL://localhost:$SASL_SSL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=$JAAS
listener.name.sasl_ssl.plain.sasl.jaas.config=$JAAS
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECRETS/broker.p12
ssl.keystore.password=keystore-password
ssl.key.password=keystore-password
ssl.client.auth=none
ssl.endpoint.identification.algorithm=
${KAFKA_EXTRA_PROPERTIES:-}"

KAFKA_PORT="$PORT" KAFKA_CONTROLLER_PORT="$((PORT + 1))" KAFKA_HOME="$KAFKA_HOME" bash "$SCRIPT_DIR/start.sh"
log "SASL_PLAINTEXT localhost:$SASL_PORT, SSL localhost:$SSL_PORT, SASL_SSL localhost:$SASL_SSL_PORT; CA $SECRETS/ca.pem; user $USER_NAME"

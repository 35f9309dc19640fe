#!/usr/bin/env bash
# Stop the broker started by scripts/kafka/start-secure.sh (same SECURE_KAFKA_PORT / KAFKA_HOME).
#   --wipe   also delete its data; the certificates in $KAFKA_HOME/secure-<port>/ are kept
set -euo pipefail
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_PORT="${SECURE_KAFKA_PORT:-39492}" exec bash "$SCRIPT_DIR/stop.sh" "$@"

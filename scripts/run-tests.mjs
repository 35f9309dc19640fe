#!/usr/bin/env node
// Runs every *.test.ts under src/ (unit tests beside the code) and test/ (integration tests)
// with node's own test runner; the tests themselves are loaded through tsx, but the integration
// tests run the built CLI (dist/cli.js), so `npm test` builds first.
// The integration tests need a Kafka broker on localhost:$KAFKA_PORT (default 9092): when none
// answers, this starts one with scripts/kafka/start.sh (Java 17; jars fetched once from Maven
// Central) and stops it afterwards. Extra arguments go to `node --test` (e.g. --test-name-pattern=psi).
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const port = Number(process.env.KAFKA_PORT ?? 9092);
const startBroker = !process.env.KAFKA_BROKERS && !(await portOpen(port));
if (startBroker) {
  const started = spawnSync('bash', ['scripts/kafka/start.sh'], { stdio: 'inherit' });
  if (started.status !== 0) process.exit(started.status ?? 1);
}

const files = ['src', 'test'].flatMap(findTests).sort();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
});
if (startBroker) spawnSync('bash', ['scripts/kafka/stop.sh'], { stdio: 'inherit' });
process.exit(result.status ?? 1);

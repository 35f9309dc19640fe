import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Kafka, type KafkaConfig as KafkaJsConfig, logLevel, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/schema.js';
import { messageOf, UserError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerCodecs } from './codecs.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** What the patch below touches of kafkajs' per-connection request queue. */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for re-checking pending requests that wait for room (its CHECK_PENDING_REQUESTS_INTERVAL). */
const CHECK_PENDING_MS = 10;

/**
 * kafkajs 2.2.4 re-arms a timer every millisecond, forever, on every broker connection once a
 * request has completed: `scheduleCheckPendingRequests` sets a timeout even with nothing pending
 * and no throttle (throttledUntil is -1, so the delay is negative). That was most of an idle
 * `serve`'s CPU (about 1,500 wake-ups a second, 4-5% of a core) and is kafkajs issue #1556 / #1704,
 * fixed in no release (PR #1667 is open). The patch schedules a check only when a request waits
 * or a throttle is to be waited out, as that PR does. Applied once, on the module kafkajs itself loads.
 */
export function patchKafkajsIdleLoop(): void {
  const require = createRequire(import.meta.url);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueInternals & { __driftwatchPatched?: true };
  };
  const proto = RequestQueue.prototype;
  if (proto.__driftwatchPatched) return;
  proto.__driftwatchPatched = true;
  proto.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_MS;
    else if (scheduleAt <= 0) return; // nothing waits and no throttle: a completed request or a new one checks again
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
}

/** kafkajs logs through our logger (its INFO chatter at debug), never to the console. */
function logCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: { namespace: string; level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = log;
      const target = LEVELS[level] === 'info' ? 'debug' : (LEVELS[level] ?? 'debug');
      logger[target]({ kafkajs: namespace, ...rest }, message);
    };
}

/** A kafkajs client from the config's `kafka` section (TLS files read here, secrets from the env-substituted config). */
export function createKafka(config: KafkaConfig, logger: Logger, clientIdSuffix = ''): Kafka {
  patchKafkajsIdleLoop();
  registerCodecs();
  const options: KafkaJsConfig = {
    clientId: `${config.clientId}${clientIdSuffix}`,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeout,
    logLevel: logLevel.INFO,
    logCreator: logCreator(logger),
    // Reconnect with back-off for as long as it takes: a broker outage is waited out, not fatal.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 20 },
  };
  if (config.tls) options.ssl = config.tls === true ? true : tlsOptions(config.tls);
  if (config.sasl)
    options.sasl = { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions;
  return new Kafka(options);
}

/** The TLS options of `kafka.tls` (the files read here: a missing one is a UserError naming it). */
function tlsOptions(tls: Exclude<NonNullable<KafkaConfig['tls']>, boolean>): ConnectionOptions {
  const read = (key: 'ca' | 'cert' | 'key', path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new UserError(`kafka.tls.${key}: cannot read '${path}': ${messageOf(error)}`);
    }
  };
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: [read('ca', tls.ca)] } : {}),
    ...(tls.cert ? { cert: read('cert', tls.cert) } : {}),
    ...(tls.key ? { key: read('key', tls.key) } : {}),
  };
}

/** Handshake errors that say the broker's certificate or name does not verify: no retry can fix them. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|HOSTNAME|ERR_SSL_/;

/** One TLS handshake with a broker: 'ok', a certificate error, or undefined when it says nothing (refused, timed out). */
function handshake(
  host: string,
  port: number,
  options: ConnectionOptions,
  timeoutMs: number,
): Promise<'ok' | { code: string; message: string } | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ ...options, host, port, ...(isIP(host) ? {} : { servername: host }) });
    const done = (outcome: 'ok' | { code: string; message: string } | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('secureConnect', () => done('ok'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = String(error.code ?? '');
      done(CERTIFICATE_ERROR.test(code) ? { code, message: error.message } : undefined);
    });
  });
}

/**
 * Checks `kafka.tls` against the brokers before any consumer starts. kafkajs treats a certificate
 * that does not verify as a connection error and retries it with back-off for minutes (20 tries),
 * which can only end the same way; one handshake here turns it into a start-up error that says
 * what to fix. A broker that cannot be reached says nothing about TLS: that is left to kafkajs.
 */
export async function checkKafkaTls(config: KafkaConfig): Promise<void> {
  if (!config.tls) return;
  const options: ConnectionOptions = config.tls === true ? {} : tlsOptions(config.tls);
  for (const broker of config.brokers) {
    const colon = broker.lastIndexOf(':');
    const outcome = await handshake(broker.slice(0, colon), Number(broker.slice(colon + 1)), options, config.connectionTimeout);
    if (outcome === 'ok') return;
    if (outcome) {
      const fix =
        config.tls === true || !config.tls.ca
          ? 'set kafka.tls.ca to the PEM file of the CA that signed it'
          : `check that kafka.tls.ca ('${config.tls.ca}') is the CA that signed it, and that the broker's name is in its certificate`;
      throw new UserError(`kafka.tls: the certificate of broker ${broker} does not verify (${outcome.code}: ${outcome.message}); ${fix}`);
    }
  }
}

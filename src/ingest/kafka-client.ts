import { readFileSync } from 'node:fs';
import { Kafka, type KafkaConfig as KafkaJsConfig, logLevel, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config/schema.js';
import type { Logger } from '../log.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs through our logger (its INFO chatter at debug), never to the console. */
function logCreator(logger: Logger) {
  return () => ({ namespace, level, log }: { namespace: string; level: number; log: { message: string } & Record<string, unknown> }) => {
    const { message, timestamp: _t, logger: _l, ...rest } = log;
    const target = LEVELS[level] === 'info' ? 'debug' : (LEVELS[level] ?? 'debug');
    logger[target]({ kafkajs: namespace, ...rest }, message);
  };
}

/** A kafkajs client from the config's `kafka` section (TLS files read here, secrets from the env-substituted config). */
export function createKafka(config: KafkaConfig, logger: Logger, clientIdSuffix = ''): Kafka {
  const options: KafkaJsConfig = {
    clientId: `${config.clientId}${clientIdSuffix}`,
    brokers: config.brokers,
    connectionTimeout: config.connectionTimeout,
    logLevel: logLevel.INFO,
    logCreator: logCreator(logger),
    // Reconnect with back-off for as long as it takes: a broker outage is waited out, not fatal.
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 20 },
  };
  if (config.tls) {
    options.ssl =
      config.tls === true
        ? true
        : {
            rejectUnauthorized: config.tls.rejectUnauthorized,
            ...(config.tls.ca ? { ca: [readFileSync(config.tls.ca, 'utf8')] } : {}),
            ...(config.tls.cert ? { cert: readFileSync(config.tls.cert, 'utf8') } : {}),
            ...(config.tls.key ? { key: readFileSync(config.tls.key, 'utf8') } : {}),
          };
  }
  if (config.sasl) options.sasl = { mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions;
  return new Kafka(options);
}

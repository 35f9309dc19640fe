import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { UserError, messageOf } from '../errors.js';
import { secretsWrittenInClear } from './paging.js';
import { type DriftwatchConfig, DriftwatchConfig as ConfigSchema } from './schema.js';
import { formatZodError } from './zod-errors.js';

/** The config file read when --config is not given. */
export const DEFAULT_CONFIG_PATH = 'driftwatch.yaml';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` (or `${NAME:-default}`) in every string of the parsed file with the
 * environment's value, so secrets live only in the environment. Done on parsed values, not on
 * the text, so a value cannot break the YAML around it. Missing variables are one error naming
 * each and where it is used (`models[0].source.topics[1]`), all of them at once.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv): unknown {
  const missing: string[] = [];
  const result = substitute(value, env, '', missing);
  if (missing.length > 0) throw new UserError(missing.join('; '));
  return result;
}

function substitute(value: unknown, env: NodeJS.ProcessEnv, path: string, missing: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (reference, name: string, fallback: string | undefined) => {
      const found = env[name] ?? fallback;
      if (found !== undefined) return found;
      missing.push(`${path || '(root)'}: environment variable ${name} is not set`);
      return reference;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, env, `${path}[${i}]`, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, env, path ? `${path}.${k}` : k, missing)]));
  }
  return value;
}

/** Paths in the file are relative to the file's folder, as a reader of the file expects. */
function resolvePaths(config: DriftwatchConfig, base: string): DriftwatchConfig {
  const at = (p: string) => (isAbsolute(p) || p === ':memory:' ? p : resolve(base, p));
  const tls = config.kafka?.tls;
  const files =
    tls && tls !== true
      ? {
          ...tls,
          ...(tls.ca ? { ca: at(tls.ca) } : {}),
          ...(tls.cert ? { cert: at(tls.cert) } : {}),
          ...(tls.key ? { key: at(tls.key) } : {}),
        }
      : tls;
  const apiTls = config.api.tls;
  return {
    ...config,
    ...(config.kafka ? { kafka: { ...config.kafka, ...(files !== undefined ? { tls: files } : {}) } } : {}),
    ...(apiTls
      ? {
          api: {
            ...config.api,
            tls: { ...apiTls, cert: at(apiTls.cert), key: at(apiTls.key), ...(apiTls.ca ? { ca: at(apiTls.ca) } : {}) },
          },
        }
      : {}),
    storage: { ...config.storage, path: at(config.storage.path) },
    models: config.models.map((m) => ({ ...m, baseline: at(m.baseline) })),
  };
}

/** Validates an already parsed config object (YAML or JSON); errors name the path and the problem. */
export function parseConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): DriftwatchConfig {
  // Before substitution: only the file as written tells a reference from a key written out.
  const inClear = secretsWrittenInClear(raw);
  if (inClear.length > 0) throw new UserError(`invalid config '${source}': ${inClear.join('; ')}`);
  let withEnv: unknown;
  try {
    withEnv = substituteEnv(raw, env);
  } catch (error) {
    throw new UserError(`invalid config '${source}': ${messageOf(error)}`);
  }
  const parsed = ConfigSchema.safeParse(withEnv);
  if (!parsed.success)
    throw new UserError(`invalid config '${source}': ${formatZodError(parsed.error, 10, { schema: ConfigSchema, input: withEnv })}`);
  return parsed.data;
}

/**
 * Reads, substitutes and validates the config file, once at start-up: any problem stops the
 * process before it does anything, with a message naming the file, the path and the problem.
 */
export function loadConfig(path: string = DEFAULT_CONFIG_PATH, env: NodeJS.ProcessEnv = process.env): DriftwatchConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read config '${path}': ${messageOf(error)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    throw new UserError(`config '${path}' is not valid YAML${where}: ${messageOf(error).split('\n')[0]}`);
  }
  return resolvePaths(parseConfig(raw, path, env), dirname(resolve(path)));
}

import { TOKENS_ENV } from './api.js';
import type { DriftwatchConfig } from './schema.js';
import { labelsFollowSampling } from '../contracts/label.js';

/** What each warning is about, for tests and for anyone filtering the log. */
export const CONFIG_WARNING_CODES = [
  'api-without-tokens',
  'channel-unused',
  'route-unknown-model',
  'model-unscheduled',
  // Needs the model's baseline: `config validate` adds it; `serve` logs the same when the model opens.
  'prediction-unmapped',
  'labels-sampling-unknown',
] as const;
export type ConfigWarningCode = (typeof CONFIG_WARNING_CODES)[number];

/** A setting that is valid but does nothing (or less than it seems): logged at `serve` start, printed by `config validate`. */
export interface ConfigWarning {
  code: ConfigWarningCode;
  /** Where in the file: `models[0].schedule`, `alerts.channels[1]`, `api`. */
  path: string;
  message: string;
}

/** True when the tokens variable holds no entry (unset, empty or only commas and spaces). */
const noTokens = (text: string | undefined) => (text ?? '').split(',').every((entry) => entry.trim() === '');

/**
 * The silent misconfigurations of a valid config: settings under which something the file seems
 * to ask for never happens. Pure (the environment is passed in), so `serve` and `config validate`
 * say the same.
 * @example configWarnings(loadConfig('driftwatch.yaml'), process.env).map((w) => `${w.path}: ${w.message}`)
 */
export function configWarnings(config: DriftwatchConfig, env: NodeJS.ProcessEnv): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (noTokens(env[TOKENS_ENV])) {
    const httpOnly = config.models.filter((m) => !m.source).map((m) => m.name);
    const closed = ['the dashboard', 'the API', ...(config.api.metricsPublic ? [] : ['/metrics']), 'HTTP ingest'].join(', ');
    warnings.push({
      code: 'api-without-tokens',
      path: 'api',
      message: `${TOKENS_ENV} is not set: every request that needs a token gets 401 (${closed})${
        httpOnly.length > 0 ? `, so models fed only through HTTP ingest receive no events: ${httpOnly.join(', ')}` : ''
      }; set ${TOKENS_ENV}="read:TOKEN,admin:TOKEN" (each token at least 16 characters)`,
    });
  }
  const used = new Set([...config.alerts.routes.flatMap((r) => r.channels), ...config.models.flatMap((m) => m.report?.channels ?? [])]);
  config.alerts.channels.forEach((channel, i) => {
    if (used.has(channel.name)) return;
    warnings.push({
      code: 'channel-unused',
      path: `alerts.channels[${i}]`,
      message: `channel '${channel.name}' is named by no route (alerts.routes) and no model's report: nothing will ever be sent to it${
        config.alerts.routes.length === 0 ? `; add a route, e.g. routes: [{ channels: [${channel.name}] }]` : ''
      }`,
    });
  });
  const models = new Set(config.models.map((m) => m.name));
  config.alerts.routes.forEach((route, i) =>
    route.models.forEach((name, j) => {
      if (name === '*' || models.has(name)) return;
      warnings.push({
        code: 'route-unknown-model',
        path: `alerts.routes[${i}].models[${j}]`,
        message: `no model is named '${name}', so this entry routes nothing; models: ${[...models].join(', ')}`,
      });
    }),
  );
  config.models.forEach((model, i) => {
    if (model.schedule) return;
    warnings.push({
      code: 'model-unscheduled',
      path: `models[${i}].schedule`,
      message: `model '${model.name}' has no schedule: it is never checked and never alerts (only \`driftwatch check --config --model ${model.name}\` or POST /api/v1/models/${model.name}/checks check it); add e.g. schedule: { cron: "*/15 * * * *" }`,
    });
  });
  config.models.forEach((model, i) => {
    const { by } = model.sampling;
    if (!model.labels || labelsFollowSampling(model.sampling, model.event.id)) return;
    warnings.push({
      code: 'labels-sampling-unknown',
      path: `models[${i}].sampling`,
      message: `model '${model.name}' samples by ${by}${by === 'key' ? ' while its ids come from event.id' : ''}: a label cannot tell whether its prediction was kept, so every label is stored and the unmatched ones include those of predictions sampled out; sample by id (sampling.by: id) to drop their labels too`,
    });
  });
  return warnings;
}

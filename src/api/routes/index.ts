import type { AnyRoute } from '../route.js';
import { ALERT_ROUTES } from './alerts.js';
import { BASELINE_ROUTES } from './baselines.js';
import { CHECK_ROUTES } from './checks.js';
import { EVENT_ROUTES } from './events.js';
import { HEALTH_ROUTES } from './health.js';
import { INSPECT_ROUTES } from './inspect.js';
import { LABEL_ROUTES } from './labels.js';
import { MODEL_ROUTES } from './models.js';
import { getOpenApi } from './openapi.js';
import { OUTBOX_ROUTES } from './outbox.js';

/** Every route of the API, in one list: the app registers these and the OpenAPI document describes these. */
export const API_ROUTES: readonly AnyRoute[] = [
  ...HEALTH_ROUTES,
  getOpenApi,
  ...MODEL_ROUTES,
  ...BASELINE_ROUTES,
  ...CHECK_ROUTES,
  ...ALERT_ROUTES,
  ...OUTBOX_ROUTES,
  ...EVENT_ROUTES,
  ...LABEL_ROUTES,
  ...INSPECT_ROUTES,
];

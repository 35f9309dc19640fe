// Validators for the paging and chat payloads, built from the schemas the services publish
// (copied into test/fixtures/schemas/, see its README for sources and licences), plus the field
// limits their documentation states but their schemas leave out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import { parse as parseYaml } from 'yaml';
import { FIXTURES } from './cli.js';

const SCHEMAS = join(FIXTURES, 'schemas');
const readJson = (file: string) => JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Record<string, unknown>;
const readYaml = (file: string) => parseYaml(readFileSync(join(SCHEMAS, file), 'utf8')) as Record<string, Record<string, unknown>>;

/** A validator that returns the errors (empty when the value is valid), readable in an assertion message. */
export type Check = (value: unknown) => string[];

function newAjv(): Ajv {
  // strict: false, because the published schemas carry keywords of their own (OpenAPI's
  // `example`, Adaptive Cards' `version`, Swagger's `discriminator` and `x-opsgenie-domain`).
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft06);
  // The formats these schemas use (ajv-formats is not needed for four of them).
  const absolute = (s: string) => URL.canParse(s);
  ajv.addFormat('url', absolute);
  ajv.addFormat('uri', absolute);
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'http://base.invalid/'));
  ajv.addFormat(
    'date-time',
    (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  );
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  return ajv;
}

function checker(validate: ValidateFunction, extra: (value: unknown) => string[] = () => []): Check {
  return (value) => {
    const ok = validate(value);
    const errors = ok
      ? []
      : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    return [...errors, ...extra(value)];
  };
}

/** Every key of `value` that `allowed` does not list, as paths. */
function undocumented(value: unknown, allowed: readonly string[], at: string): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.keys(value)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${at}/${k} is not a documented field`);
}

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): the request body schema of PagerDuty's OpenAPI
 * (PagerDuty/api-schema, reference/events-v2/openapiv3.json), with the limits of "Send an Alert
 * Event" (summary <= 1024, dedup_key <= 255, routing_key 32 characters, at most 512 KB), and no
 * field the schema does not document.
 */
export function pagerDutyEventCheck(): Check {
  const api = readJson('pagerduty-events-v2.openapi.json') as {
    paths: Record<string, { post: { requestBody: { content: Record<string, { schema: Record<string, unknown> }> } } }>;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  const body = api.paths['/enqueue']!.post.requestBody.content['application/json']!.schema;
  const validate = newAjv().compile({ ...body, components: api.components });
  const payloadFields = Object.keys(api.components.schemas.Payload!.properties ?? {});
  const topFields = Object.keys((body.properties as Record<string, unknown>) ?? {});
  return checker(validate, (value) => {
    const event = value as { routing_key?: string; dedup_key?: string; payload?: { summary?: string } };
    const errors = [...undocumented(event, topFields, ''), ...undocumented(event.payload, payloadFields, '/payload')];
    if (event.routing_key?.length !== 32) errors.push('/routing_key must be 32 characters');
    if ((event.dedup_key?.length ?? 0) > 255) errors.push('/dedup_key longer than 255 characters');
    if ((event.payload?.summary?.length ?? 0) > 1024) errors.push('/payload/summary longer than 1024 characters');
    if (Buffer.byteLength(JSON.stringify(value)) > 512 * 1024) errors.push('event larger than 512 KB');
    return errors;
  });
}

/** The documented limits of Opsgenie's Create Alert request (docs.opsgenie.com, Alert API). */
export const OPSGENIE_DOCUMENTED_LIMITS = {
  message: 130,
  alias: 512,
  description: 15_000,
  entity: 512,
  source: 100,
  user: 100,
  note: 25_000,
};

function opsgenieDefinitions(): Record<string, Record<string, unknown>> {
  return { ...readYaml('opsgenie-common.definitions.yaml'), ...readYaml('opsgenie-alert.definitions.yaml') };
}

/** The properties of a Swagger definition, merging its allOf parts (Opsgenie's payloads extend AlertActionPayload). */
function swaggerProperties(definitions: Record<string, Record<string, unknown>>, name: string): string[] {
  const def = definitions[name] ?? {};
  const parts = [def, ...((def.allOf as Record<string, unknown>[] | undefined) ?? [])];
  return parts.flatMap((part) => {
    const ref = part.$ref as string | undefined;
    if (ref) return swaggerProperties(definitions, ref.replace('#/definitions/', ''));
    return Object.keys((part.properties as Record<string, unknown>) ?? {});
  });
}

/**
 * Opsgenie's Alert API bodies (`CreateAlertPayload`, `CloseAlertPayload`) from Opsgenie's Swagger
 * definitions (opsgenie/opsgenie-oas, definitions/alert.yaml and common.yaml), with the documented
 * limits (message <= 130, alias <= 512, description <= 15,000, at most 20 tags of <= 50
 * characters, details <= 8,000 characters in all, entity <= 512, source <= 100, note <= 25,000),
 * and no field the definition does not document.
 */
export function opsgenieCheck(definition: 'CreateAlertPayload' | 'CloseAlertPayload'): Check {
  const definitions = opsgenieDefinitions();
  const validate = newAjv().compile({ definitions, $ref: `#/definitions/${definition}` });
  const fields = swaggerProperties(definitions, definition);
  return checker(validate, (value) => {
    const body = value as Record<string, unknown>;
    const errors = undocumented(body, fields, '');
    for (const [field, max] of Object.entries(OPSGENIE_DOCUMENTED_LIMITS)) {
      const v = body[field];
      if (typeof v === 'string' && v.length > max) errors.push(`/${field} longer than ${max} characters`);
    }
    const tags = body.tags as string[] | undefined;
    if (tags && tags.length > 20) errors.push('/tags has more than 20 tags');
    for (const tag of tags ?? []) if (tag.length > 50) errors.push(`/tags: '${tag}' longer than 50 characters`);
    const details = body.details as Record<string, string> | undefined;
    const detailChars = Object.entries(details ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (detailChars > 8000) errors.push(`/details has ${detailChars} characters, more than 8000`);
    return errors;
  });
}

/**
 * A Teams message: the `message` envelope with one Adaptive Card attachment (Teams' documented
 * shape for Incoming Webhooks and Workflows), the card valid against the Adaptive Card 1.4 JSON
 * schema (microsoft/AdaptiveCards, schemas/1.4.0/adaptive-card.json), the whole under Teams' 28 KB.
 */
export function teamsMessageCheck(): Check {
  // The published file declares draft-06 but names itself with draft-04's `id`, which ajv refuses: read as `$id`.
  const { id, ...schema } = readJson('adaptive-card-1.4.json');
  const validate = newAjv().compile({ ...schema, $id: String(id) });
  return (value) => {
    const message = value as { type?: unknown; attachments?: { contentType?: unknown; content?: unknown }[] };
    const errors: string[] = [];
    if (message.type !== 'message') errors.push("/type must be 'message'");
    if (!Array.isArray(message.attachments) || message.attachments.length !== 1) errors.push('/attachments must hold one card');
    const attachment = message.attachments?.[0];
    if (attachment?.contentType !== 'application/vnd.microsoft.card.adaptive')
      errors.push("/attachments/0/contentType must be 'application/vnd.microsoft.card.adaptive'");
    if (!validate(attachment?.content))
      for (const e of validate.errors ?? [])
        errors.push(`/attachments/0/content${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    if (Buffer.byteLength(JSON.stringify(value)) > 28 * 1024) errors.push('message larger than 28 KB');
    return errors;
  };
}

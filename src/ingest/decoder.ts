import type { BaselineProfile } from '../contracts/profile.js';
import type { EventMapping } from '../config/schema.js';
import type { CompiledPath } from '../contracts/event.js';
import { compilePath, readPath } from './paths.js';
import type { DecodedEvent, FeatureSpec, RejectReason, ValueProblem } from '../contracts/event.js';

export type DecodeResult = { ok: true; event: DecodedEvent } | { ok: false; reason: RejectReason; detail: string };

/** What the decoder needs of a Kafka message (or an HTTP event). */
export interface RawMessage {
  value: Buffer | null;
  key: Buffer | null;
  /** Broker timestamp, epoch ms. */
  timestampMs: number;
}

function expectedType(dtype: string, kind: FeatureSpec['kind']): FeatureSpec['expects'] {
  if (kind === 'numeric') return 'number';
  if (dtype === 'BOOLEAN') return 'boolean';
  return /INT|FLOAT|DOUBLE|REAL|DECIMAL/.test(dtype) ? 'number' : 'string';
}

/** The features of a baseline with the path each is read from (explicit, or under `featuresPath`). */
export function featureSpecs(profile: BaselineProfile, mapping: EventMapping): FeatureSpec[] {
  const base = compilePath(mapping.featuresPath);
  return profile.features.map((f) => ({
    name: f.name,
    kind: f.kind,
    expects: expectedType(f.dtype, f.kind),
    // Own keys only: a feature named `toString` or `constructor` would find Object.prototype's.
    path: Object.hasOwn(mapping.features, f.name) ? compilePath(mapping.features[f.name]!) : [...base, f.name],
  }));
}

/**
 * Fields of the features object that are not unexpected although no feature has their name:
 * the first key under `featuresPath` of every other mapped path (`request.geo.country` makes
 * `geo` known when the features object is `request`), and the fields `event.ignore` lists.
 * @example fieldsNotExtra({ featuresPath: 'request', features: { country: 'request.geo.country' }, ignore: ['debug'] }) // ['geo', 'debug']
 */
export function fieldsNotExtra(
  mapping: Pick<EventMapping, 'featuresPath' | 'features' | 'timestamp' | 'prediction' | 'id' | 'ignore'>,
): string[] {
  const base = compilePath(mapping.featuresPath);
  const mapped = [...Object.values(mapping.features), mapping.timestamp, mapping.prediction, mapping.id].flatMap((p) =>
    p === undefined ? [] : [compilePath(p)],
  );
  const parents = mapped.flatMap((path) => {
    const next = path[base.length];
    return path.length > base.length && typeof next === 'string' && base.every((step, i) => path[i] === step) ? [next] : [];
  });
  return [...new Set([...parents, ...(mapping.ignore ?? [])])];
}

/** The latest (and, negated, the earliest) epoch milliseconds a JS Date holds; a DuckDB TIMESTAMP holds a little more. */
const MAX_TIMESTAMP_MS = 8.64e15;

/** Parses an event time: ISO text, or epoch seconds / milliseconds (told apart by size); undefined outside what a Date holds. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value < 1e11 ? value * 1000 : value;
    // 1e300 is a finite number but no time: it would overflow the samples table's TIMESTAMP and fail the whole batch.
    return Math.abs(ms) <= MAX_TIMESTAMP_MS ? ms : undefined;
  }
  if (typeof value === 'string') {
    const asNumber = Number(value);
    if (value.trim() !== '' && Number.isFinite(asNumber)) return parseTimestamp(asNumber);
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * An id as text. An object or array is written as its JSON: `String()` would call the event's own
 * `toString` key (`{"toString": ""}` throws a TypeError). Never throws (it runs before the decode
 * when sampling by id). Labels read their ids through it too, so that `42` and `"42"` join.
 */
export function idText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return null;
  }
}

/** A payload parsed to a JSON object, or why it cannot be used. */
export type ParsedPayload = { ok: true; json: Record<string, unknown> } | { ok: false; reason: RejectReason; detail: string };

/** Parses a message's payload as a JSON object (events and labels alike): empty, too large, not JSON and not an object are refused. */
export function parsePayload(message: Pick<RawMessage, 'value'>, maxBytes: number): ParsedPayload {
  const { value } = message;
  if (!value || value.length === 0) return { ok: false, reason: 'empty_payload', detail: 'the message has no value' };
  if (value.length > maxBytes) return { ok: false, reason: 'too_large', detail: `${value.length} bytes > ${maxBytes}` };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'malformed_json', detail: (error as Error).message.slice(0, 200) };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return {
      ok: false,
      reason: 'not_an_object',
      detail: `payload is ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`,
    };
  }
  return { ok: true, json: json as Record<string, unknown> };
}

/** A `\uD800`-`\uDFFF` escape with an even number of backslashes before it (so not an escaped backslash). */
const LONE_SURROGATE = /(?<=(?:^|[^\\])(?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g;

/**
 * JSON text for the samples table's JSON columns (`_extra`, `_errors`, `_prediction`).
 * JSON.stringify writes a lone surrogate ("\ud800", which JSON.parse accepts from any event) as
 * an escape, and DuckDB's JSON functions refuse the whole document ("no low surrogate"): one such
 * event made every later check of the model fail. Paired surrogates are written as characters,
 * so every such escape is a lone one; it becomes U+FFFD, as in the VARCHAR columns.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\u') ? text.replace(LONE_SURROGATE, '\\ufffd') : text;
}

const MAX_ERROR_VALUE = 200;

const hasOwn = Object.prototype.hasOwnProperty;

/** A value as an error record shows it: its JSON, cut to a readable length. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_ERROR_VALUE ? `${text.slice(0, MAX_ERROR_VALUE)}…` : text;
}

/**
 * Turns JSON payloads into rows of a model's samples table. One per model, built once; `decode`
 * never throws on input: what it cannot use, it rejects with a reason a person can act on.
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A message key as an event id, byte-exact: its text when it is valid UTF-8, else `hex:` and its
 * bytes in hex. Decoding invalid bytes as U+FFFD would make distinct binary keys one id, and
 * later joins by id (labels, row-level skew) depend on ids being distinct.
 * @example keyId(Buffer.from('evt-1')) // 'evt-1'
 * @example keyId(Buffer.from([0xff, 0x01])) // 'hex:ff01'
 */
export function keyId(key: Buffer): string {
  try {
    return STRICT_UTF8.decode(key);
  } catch {
    return `hex:${key.toString('hex')}`;
  }
}

export class EventDecoder {
  private readonly featurePaths: CompiledPath[];
  /** Per feature, its key in the features object when its path is `featuresPath` + one key (the usual mapping). */
  private readonly keysUnderBase: (string | undefined)[];
  private readonly extraBase: CompiledPath;
  private readonly known: Set<string>;
  private readonly timestamp?: CompiledPath;
  private readonly prediction?: CompiledPath;
  private readonly id?: CompiledPath;

  constructor(
    readonly features: readonly FeatureSpec[],
    mapping: EventMapping,
    private readonly maxBytes: number,
  ) {
    this.featurePaths = features.map((f) => f.path);
    this.extraBase = compilePath(mapping.featuresPath);
    const base = this.extraBase;
    this.keysUnderBase = this.featurePaths.map((path) => {
      const last = path[path.length - 1];
      return path.length === base.length + 1 && typeof last === 'string' && base.every((step, i) => path[i] === step) ? last : undefined;
    });
    this.known = new Set([...features.map((f) => f.name), ...fieldsNotExtra(mapping)]);
    if (mapping.timestamp) this.timestamp = compilePath(mapping.timestamp);
    if (mapping.prediction) this.prediction = compilePath(mapping.prediction);
    if (mapping.id) this.id = compilePath(mapping.id);
  }

  /** Parses the payload; the JSON value, or why it cannot be used. */
  parse(message: RawMessage): ParsedPayload {
    return parsePayload(message, this.maxBytes);
  }

  /** The event id: the configured path, else the message key (see {@link keyId}). */
  idOf(json: Record<string, unknown>, key: Buffer | null): string | null {
    if (this.id) return idText(readPath(json, this.id));
    return key ? keyId(key) : null;
  }

  decode(message: RawMessage): DecodeResult {
    const parsed = this.parse(message);
    if (!parsed.ok) return parsed;
    return this.decodeJson(parsed.json, message);
  }

  /**
   * Reads the features and metadata of a parsed event. JSON.parse takes any nesting, but
   * JSON.stringify (of `_extra`, the prediction, a wrong-typed value) recurses and overflows the
   * stack at a few thousand levels, which a 10 kB payload reaches: such an event is rejected as
   * `too_deep` rather than thrown, so one message cannot stop a partition.
   */
  decodeJson(json: Record<string, unknown>, message: RawMessage): DecodeResult {
    try {
      return { ok: true, event: this.readEvent(json, message) };
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return { ok: false, reason: 'too_deep', detail: 'the event is nested too deeply to store as JSON (thousands of levels); flatten it' };
    }
  }

  private readEvent(json: Record<string, unknown>, message: RawMessage): DecodedEvent {
    const problems: ValueProblem[] = [];
    let errors: Record<string, { reason: ValueProblem; value?: string }> | null = null;
    const note = (feature: string, reason: ValueProblem, value?: unknown) => {
      problems.push(reason);
      // Null-prototype records: a feature or field named __proto__ stays a plain key.
      (errors ??= Object.create(null) as Record<string, { reason: ValueProblem; value?: string }>)[feature] =
        value === undefined ? { reason } : { reason, value: shown(value) };
    };
    // The features object is found once, and each feature under it read by its key, rather than
    // every feature's path walked from the root (the same own-property rules as readPath).
    const container = readPath(json, this.extraBase);
    const fields =
      container !== null && typeof container === 'object' && !Array.isArray(container) ? (container as Record<string, unknown>) : undefined;
    const values: (number | string | null)[] = [];
    for (let i = 0; i < this.features.length; i++) {
      const feature = this.features[i]!;
      const key = this.keysUnderBase[i];
      const value =
        key === undefined
          ? readPath(json, this.featurePaths[i]!)
          : fields !== undefined && hasOwn.call(fields, key)
            ? fields[key]
            : undefined;
      values.push(this.featureValue(feature, value, note));
    }
    let timestampMs = message.timestampMs;
    if (this.timestamp) {
      const raw = readPath(json, this.timestamp);
      const parsed = parseTimestamp(raw);
      if (parsed === undefined) note('_ts', 'bad_timestamp', raw);
      else timestampMs = parsed;
    }
    const prediction = this.prediction ? readPath(json, this.prediction) : undefined;
    return {
      values,
      timestampMs,
      id: this.idOf(json, message.key),
      prediction: prediction === undefined ? null : jsonText(prediction),
      extra: this.extraFields(fields),
      errors: errors ? jsonText(errors) : null,
      problems,
    };
  }

  /** One feature's column value from what the event holds (undefined: absent); what is wrong goes to `note`. */
  private featureValue(
    feature: FeatureSpec,
    value: unknown,
    note: (feature: string, reason: ValueProblem, value?: unknown) => void,
  ): number | string | null {
    if (value === undefined) {
      note(feature.name, 'missing_feature');
      return null;
    }
    if (value === null) return null;
    if (feature.kind === 'numeric') {
      if (typeof value !== 'number') {
        // "42" for a numeric feature is training-serving skew even when it parses: keep the
        // evidence in _errors for the schema checks, and no invented number in the column.
        note(feature.name, 'wrong_type', value);
        return null;
      }
      if (!Number.isFinite(value)) note(feature.name, 'non_finite', String(value));
      return value;
    }
    if (typeof value === 'object') {
      note(feature.name, 'wrong_type', value);
      return null;
    }
    if (typeof value !== feature.expects) note(feature.name, 'wrong_type', value);
    return String(value);
  }

  /** Fields of the features object the baseline does not have: new fields are schema findings. */
  private extraFields(fields: Record<string, unknown> | undefined): string | null {
    if (!fields) return null;
    let extra: Record<string, unknown> | null = null;
    // Object.keys, not Object.entries: no [key, value] array per field of every event.
    for (const key of Object.keys(fields)) {
      if (!this.known.has(key)) (extra ??= Object.create(null) as Record<string, unknown>)[key] = fields[key];
    }
    return extra ? jsonText(extra) : null;
  }
}

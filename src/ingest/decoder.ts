import type { BaselineProfile } from '../baseline/profile.js';
import type { EventMapping } from '../config/schema.js';
import { type CompiledPath, compilePath, readPath } from './paths.js';

/** Why a message, or a value in it, was set aside. Counted per model, quarantined as a sample. */
export const REJECT_REASONS = ['empty_payload', 'too_large', 'malformed_json', 'not_an_object'] as const;
export const VALUE_PROBLEMS = ['missing_feature', 'wrong_type', 'non_finite', 'bad_timestamp'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export type ValueProblem = (typeof VALUE_PROBLEMS)[number];

/** A feature as the decoder and the samples table see it. */
export interface FeatureSpec {
  name: string;
  kind: 'numeric' | 'categorical';
  /** The JS type the training data had: a numeric feature wants numbers; a categorical one strings, booleans or numbers. */
  expects: 'number' | 'string' | 'boolean';
  path: CompiledPath;
}

/** A decoded event, ready for the samples table. `values` follow the feature order. */
export interface DecodedEvent {
  values: (number | string | null)[];
  /** Event time in epoch milliseconds. */
  timestampMs: number;
  id: string | null;
  /** The prediction as JSON text. */
  prediction: string | null;
  /** Fields of the features object that the baseline does not know, as JSON text. */
  extra: string | null;
  /** Per feature, what was wrong with its value, as JSON text (null when nothing was). */
  errors: string | null;
  problems: ValueProblem[];
}

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
    path: mapping.features[f.name] !== undefined ? compilePath(mapping.features[f.name]!) : [...base, f.name],
  }));
}

/** Parses an event time: ISO text, or epoch seconds / milliseconds (told apart by size). */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string') {
    const asNumber = Number(value);
    if (value.trim() !== '' && Number.isFinite(asNumber)) return parseTimestamp(asNumber);
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
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
    this.known = new Set(features.map((f) => f.name));
    if (mapping.timestamp) this.timestamp = compilePath(mapping.timestamp);
    if (mapping.prediction) this.prediction = compilePath(mapping.prediction);
    if (mapping.id) this.id = compilePath(mapping.id);
  }

  /** Parses the payload; the JSON value, or why it cannot be used. */
  parse(message: RawMessage): { ok: true; json: Record<string, unknown> } | { ok: false; reason: RejectReason; detail: string } {
    const { value } = message;
    if (!value || value.length === 0) return { ok: false, reason: 'empty_payload', detail: 'the message has no value' };
    if (value.length > this.maxBytes) return { ok: false, reason: 'too_large', detail: `${value.length} bytes > ${this.maxBytes}` };
    let json: unknown;
    try {
      json = JSON.parse(value.toString('utf8'));
    } catch (error) {
      return { ok: false, reason: 'malformed_json', detail: (error as Error).message.slice(0, 200) };
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      return { ok: false, reason: 'not_an_object', detail: `payload is ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}` };
    }
    return { ok: true, json: json as Record<string, unknown> };
  }

  /** The event id: the configured path, else the message key. */
  idOf(json: Record<string, unknown>, key: Buffer | null): string | null {
    if (this.id) {
      const value = readPath(json, this.id);
      return value === undefined || value === null ? null : String(value);
    }
    return key ? key.toString('utf8') : null;
  }

  decode(message: RawMessage): DecodeResult {
    const parsed = this.parse(message);
    if (!parsed.ok) return parsed;
    return { ok: true, event: this.decodeJson(parsed.json, message) };
  }

  /** Reads the features and metadata of a parsed event. */
  decodeJson(json: Record<string, unknown>, message: RawMessage): DecodedEvent {
    const problems: ValueProblem[] = [];
    let errors: Record<string, { reason: ValueProblem; value?: string }> | null = null;
    const note = (feature: string, reason: ValueProblem, value?: unknown) => {
      problems.push(reason);
      // Null-prototype records: a feature or field named __proto__ stays a plain key.
      (errors ??= Object.create(null) as Record<string, { reason: ValueProblem; value?: string }>)[feature] = value === undefined ? { reason } : { reason, value: shown(value) };
    };
    // The features object is found once, and each feature under it read by its key, rather than
    // every feature's path walked from the root (the same own-property rules as readPath).
    const container = readPath(json, this.extraBase);
    const fields = container !== null && typeof container === 'object' && !Array.isArray(container) ? (container as Record<string, unknown>) : undefined;
    const values: (number | string | null)[] = [];
    for (let i = 0; i < this.features.length; i++) {
      const feature = this.features[i]!;
      const key = this.keysUnderBase[i];
      const value = key === undefined ? readPath(json, this.featurePaths[i]!) : fields !== undefined && hasOwn.call(fields, key) ? fields[key] : undefined;
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
      prediction: prediction === undefined ? null : JSON.stringify(prediction),
      extra: this.extraFields(fields),
      errors: errors ? JSON.stringify(errors) : null,
      problems,
    };
  }

  /** One feature's column value from what the event holds (undefined: absent); what is wrong goes to `note`. */
  private featureValue(feature: FeatureSpec, value: unknown, note: (feature: string, reason: ValueProblem, value?: unknown) => void): number | string | null {
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
    return extra ? JSON.stringify(extra) : null;
  }
}

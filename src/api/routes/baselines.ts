import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { z } from 'zod';
import { createProfile } from '../../baseline/create.js';
import type { BaselineProfile } from '../../contracts/profile.js';
import { readProfile, writeProfile } from '../../baseline/profile.js';
import { DATA_FORMATS, type DataFormat, DataLimitError, detectFormat } from '../../baseline/source.js';
import { UserError, messageOf } from '../../errors.js';
import { ApiError, notFound } from '../errors.js';
import { defineRoute } from '../route.js';
import { BaselineEntry, BaselineList, BaselineParams, BaselineUploadQuery, ErrorBody, ModelParams, Profile } from '../schemas.js';
import type { ApiModel } from '../types.js';

type BaselineEntryBody = z.infer<typeof BaselineEntry>;

/** The fields of a profile a listing shows; the rest (bins, samples) is not needed for it. */
const ProfileHeader = z.looseObject({
  schemaVersion: z.number(),
  model: z.string(),
  version: z.string(),
  createdAt: z.string(),
  source: z.object({ file: z.string(), format: z.string(), rows: z.number() }),
  features: z.array(z.unknown()),
});

/** The folder of a model's baselines: the one its configured baseline is in. */
export function baselineFolder(m: ApiModel): string {
  return dirname(resolve(m.config.baseline));
}

/** The file of a version, refusing anything that would leave the folder (the schema already refuses '..' and '/'). */
function versionFile(folder: string, version: string): string {
  const file = resolve(folder, `${version}.json`);
  if (!file.startsWith(folder + sep)) throw new ApiError(400, 'bad_request', `invalid baseline version '${version}'`);
  return file;
}

/** The model names a profile in the folder may carry to count as this model's. */
function ownNames(m: ApiModel): Set<string> {
  return new Set([m.name, ...(m.profile ? [m.profile.model] : [])]);
}

function entryOf(file: string, header: z.infer<typeof ProfileHeader>, inUse: boolean): BaselineEntryBody {
  return {
    version: basename(file, '.json'),
    file,
    inUse,
    model: header.model,
    profileVersion: header.version,
    createdAt: header.createdAt,
    source: { file: header.source.file, format: header.source.format, rows: header.source.rows },
    features: header.features.length,
  };
}

/** The model's profiles in its folder (other JSON files and other models' profiles left out). */
function listBaselines(m: ApiModel): BaselineEntryBody[] {
  const folder = baselineFolder(m);
  const configured = resolve(m.config.baseline);
  const names = ownNames(m);
  let files: string[];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const items: BaselineEntryBody[] = [];
  for (const name of files) {
    const file = join(folder, name);
    let header: z.infer<typeof ProfileHeader>;
    try {
      const parsed = ProfileHeader.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) continue;
      header = parsed.data;
    } catch {
      continue;
    }
    if (file !== configured && !names.has(header.model)) continue;
    items.push(entryOf(file, header, file === configured));
  }
  return items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.version < b.version ? -1 : 1));
}

export const listBaselinesRoute = defineRoute({
  method: 'get',
  path: '/api/v1/models/{model}/baselines',
  operationId: 'listBaselines',
  summary: "The baseline profiles in the model's baseline folder",
  tag: 'baselines',
  access: 'read',
  params: ModelParams,
  responses: {
    200: { description: 'the profiles, newest first', schema: BaselineList },
    404: { description: 'no such model', schema: ErrorBody },
  },
  handle({ params }, ctx, _req, res) {
    const m = ctx.model(params.model);
    res.json({ folder: baselineFolder(m), items: listBaselines(m) });
  },
});

export const getBaseline = defineRoute({
  method: 'get',
  path: '/api/v1/models/{model}/baselines/{version}',
  operationId: 'getBaseline',
  summary: 'One baseline profile (the JSON of `driftwatch baseline create`)',
  tag: 'baselines',
  access: 'read',
  params: BaselineParams,
  responses: {
    200: { description: 'the profile', schema: Profile },
    404: { description: 'no such model or version', schema: ErrorBody },
  },
  handle({ params }, ctx, _req, res) {
    const m = ctx.model(params.model);
    const file = versionFile(baselineFolder(m), params.version);
    const known = () => listBaselines(m).map((b) => b.version);
    if (!existsSync(file)) throw notFound(`baseline version of model '${m.name}'`, params.version, known());
    const profile = readProfile(file);
    if (file !== resolve(m.config.baseline) && !ownNames(m).has(profile.model))
      throw notFound(`baseline version of model '${m.name}'`, params.version, known());
    res.json(profile);
  },
});

/**
 * Data formats by Content-Type (parameters such as charset ignored). A Map, not an object: the
 * Content-Type is the client's text, and `constructor` or `__proto__` must find nothing.
 */
const MEDIA_FORMATS: ReadonlyMap<string, DataFormat> = new Map([
  ['text/csv', 'csv'],
  ['text/tab-separated-values', 'csv'],
  ['application/csv', 'csv'],
  ['application/vnd.apache.parquet', 'parquet'],
  ['application/x-parquet', 'parquet'],
  ['application/parquet', 'parquet'],
  ['application/x-ndjson', 'ndjson'],
  ['application/ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
  ['application/x-jsonlines', 'ndjson'],
  ['application/json', 'json'],
]);

const UPLOAD_MEDIA_TYPES = ['multipart/form-data', ...MEDIA_FORMATS.keys(), 'application/octet-stream'];

/** A file name safe to create in our temporary folder. */
function safeName(name: string): string {
  return (
    basename(name)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^\.+/, '')
      .slice(-100) || 'upload'
  );
}

/** Writes the request body to `file`, refusing more than `limit` bytes (413). */
async function saveBody(req: Request, file: string, limit: number): Promise<void> {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) done(tooLarge(limit));
      else done(null, chunk);
    },
  });
  await pipeline(req, counter, createWriteStream(file));
  if (size === 0) throw new ApiError(400, 'bad_request', 'the upload is empty');
}

function tooLarge(limit: number): ApiError {
  // Close the connection: the rest of a large body is not read.
  return new ApiError(413, 'payload_too_large', `the upload is larger than api.uploadLimit (${limit} bytes)`, { Connection: 'close' });
}

/** The received data file, with its name and format. */
interface Upload {
  path: string;
  format: DataFormat;
}

/**
 * Receives the data file: a raw body (format from `?format`, the Content-Type), or a
 * multipart/form-data form whose first file part is taken (format also from its file name).
 */
async function receiveUpload(req: Request, dir: string, limit: number, format: DataFormat | undefined): Promise<Upload> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  const media = contentType.split(';')[0]!.trim();
  const body = join(dir, 'body');
  await saveBody(req, body, limit);
  let name: string | undefined;
  let data = body;
  if (media === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await new Response(readFileSync(body), { headers: { 'content-type': contentType } }).formData();
    } catch (error) {
      throw new ApiError(400, 'bad_request', `cannot read the multipart form: ${messageOf(error)}`);
    }
    const file = form.get('file') ?? [...form.values()].find((v) => typeof v !== 'string');
    if (!file || typeof file === 'string')
      throw new ApiError(400, 'bad_request', 'the multipart form has no file part (send the data file as field "file")');
    name = safeName(file.name || 'upload');
    data = join(dir, 'part');
    writeFileSync(data, Buffer.from(await file.arrayBuffer()));
  }
  const chosen = format ?? MEDIA_FORMATS.get(media) ?? (name ? knownFormat(name) : undefined);
  if (!chosen) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `cannot tell the data format: pass ?format=csv|parquet|ndjson|json, a Content-Type of ${[...MEDIA_FORMATS.keys()].join(', ')}, or a multipart file whose name ends in a known extension`,
    );
  }
  // DuckDB's readers go by extension: the file gets the format's.
  const extension = DATA_FORMATS[chosen][0];
  const stem = name && knownFormat(name) === chosen ? name : `${name ? name.replace(/\.[^.]*$/, '') : 'upload'}${extension}`;
  const path = join(dir, stem);
  writeFileSync(path, readFileSync(data));
  return { path, format: chosen };
}

function knownFormat(name: string): DataFormat | undefined {
  try {
    return detectFormat(name);
  } catch {
    return undefined;
  }
}

const list = (text: string | undefined) =>
  text === undefined
    ? undefined
    : text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

/** Uploads run one at a time: profiling opens a DuckDB of its own and may use much memory. */
let uploads: Promise<unknown> = Promise.resolve();

/**
 * The temporary folders of uploads in progress: each is removed when its upload ends (answer,
 * error, timeout), and all of them when the process exits. Their names carry the process id, so
 * the folders of a process that was killed (no exit handler runs) are removed by the next upload.
 */
const UPLOAD_DIR_PREFIX = 'driftwatch-upload-';
const uploadDirs = new Set<string>();
let sweptStale = false;

function makeUploadDir(): string {
  if (!sweptStale) {
    sweptStale = true;
    removeStaleUploadDirs(tmpdir());
    process.once('exit', () => {
      for (const dir of uploadDirs) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = mkdtempSync(join(tmpdir(), `${UPLOAD_DIR_PREFIX}${process.pid}-`));
  uploadDirs.add(dir);
  return dir;
}

function removeUploadDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  uploadDirs.delete(dir);
}

/** Removes the upload folders in `parent` of processes that no longer run. */
export function removeStaleUploadDirs(parent: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = new RegExp(`^${UPLOAD_DIR_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || processRuns(Number(pid))) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
/** Versions being created (model/version), so two uploads of one version cannot both write it. */
const creating = new Set<string>();

export const createBaseline = defineRoute({
  method: 'post',
  path: '/api/v1/models/{model}/baselines',
  operationId: 'createBaseline',
  summary: 'Profile an uploaded training-data file into a new baseline version',
  description:
    'The body is the data file (CSV, Parquet, NDJSON or JSON), raw or as the "file" part of a multipart form. ' +
    "It is profiled as `driftwatch baseline create` does and written to <version>.json in the folder of the model's configured baseline. " +
    "The configured baseline does not change: point the model's `baseline` at the new file to use it. Existing versions are never overwritten.",
  tag: 'baselines',
  access: 'admin',
  params: ModelParams,
  query: BaselineUploadQuery,
  body: { kind: 'upload', mediaTypes: UPLOAD_MEDIA_TYPES, description: 'the training data file (at most api.uploadLimit bytes)' },
  responses: {
    201: { description: 'the new baseline version', schema: BaselineEntry },
    404: { description: 'no such model', schema: ErrorBody },
    409: { description: 'the version exists already', schema: ErrorBody },
    413: { description: 'the upload is larger than api.uploadLimit, or has more columns than api.uploadMaxColumns', schema: ErrorBody },
    415: { description: 'the data format cannot be told', schema: ErrorBody },
    503: { description: 'the profile took longer than api.uploadTimeout and was cancelled', schema: ErrorBody },
  },
  async handle({ params, query }, ctx, req, res) {
    const m = ctx.model(params.model);
    const folder = baselineFolder(m);
    const target = versionFile(folder, query.version);
    const key = `${m.name}/${query.version}`;
    const exists = () =>
      new ApiError(
        409,
        'conflict',
        `baseline version '${query.version}' of model '${m.name}' exists already (versions are never overwritten)`,
      );
    if (existsSync(target) || creating.has(key)) throw exists();
    creating.add(key);
    const dir = makeUploadDir();
    const api = ctx.deps.config.api;
    try {
      const upload = await receiveUpload(req, dir, api.uploadLimit, query.format);
      const features = list(query.features);
      const categorical = list(query.categorical);
      const numeric = list(query.numeric);
      // The time bound starts when the profile does, not while the upload waits for the one before it.
      const timeout = new ApiError(
        503,
        'timeout',
        `the profile took longer than api.uploadTimeout (${api.uploadTimeout} ms) and was cancelled; send fewer rows or columns, or raise the setting`,
      );
      const run = uploads.then(() =>
        createProfile(upload.path, {
          model: m.name,
          version: query.version,
          ...(features ? { features } : {}),
          ...(categorical ? { categorical } : {}),
          ...(numeric ? { numeric } : {}),
          ...(query.bins !== undefined ? { bins: query.bins } : {}),
          limits: {
            columns: { max: api.uploadMaxColumns, setting: 'api.uploadMaxColumns' },
            memoryLimit: `${Math.max(1, Math.floor(api.uploadMemoryLimit / 1024 ** 2))}MiB`,
            signal: timeoutSignal(api.uploadTimeout, timeout),
          },
        }),
      );
      uploads = run.catch(() => {});
      let profile: BaselineProfile;
      try {
        profile = await run;
      } catch (error) {
        if (error === timeout)
          ctx.deps.logger.warn(
            { model: m.name, version: query.version, timeoutMs: api.uploadTimeout },
            'baseline upload cancelled: its profile took too long',
          );
        // The temporary folder is nobody's business; the file's own name is kept.
        const message = error instanceof UserError ? error.message.replaceAll(`${dir}${sep}`, '') : '';
        if (error instanceof DataLimitError) throw new ApiError(413, 'payload_too_large', message);
        if (error instanceof UserError) throw new ApiError(400, 'bad_request', message);
        throw error;
      }
      if (existsSync(target)) throw exists();
      writeProfile(target, profile);
      ctx.deps.logger.info(
        { model: m.name, version: query.version, file: target, rows: profile.source.rows, features: profile.features.length },
        'baseline version created over the API',
      );
      res
        .status(201)
        .location(`/api/v1/models/${encodeURIComponent(m.name)}/baselines/${encodeURIComponent(query.version)}`)
        .json(entryOf(target, profile, false));
    } finally {
      creating.delete(key);
      removeUploadDir(dir);
    }
  },
});

/** A signal aborted with `reason` after `ms`, its timer unref'd (it never holds the process). */
function timeoutSignal(ms: number, reason: Error): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), ms).unref();
  return controller.signal;
}

export const BASELINE_ROUTES = [listBaselinesRoute, getBaseline, createBaseline];

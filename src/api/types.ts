import type { Express } from 'express';
import type { BaselineProfile } from '../contracts/profile.js';
import type { LiveReport } from '../contracts/report.js';
import type { ModelConfig, WindowSpecValue } from '../config/schema.js';
import type { ReplayJob } from '../contracts/replay.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { TokenSet } from './auth.js';
import type { ApiConfig } from '../config/api.js';
import type { Metrics } from './metrics.js';
import type { IngestResult, PredictionEvent } from '../contracts/event.js';
import type { LabelIngestResult, LabelInput } from '../contracts/label.js';

/** A configured model as the API shows it: running, or left out at start-up with the reason. */
export interface ApiModel {
  name: string;
  config: ModelConfig;
  /** The baseline profile in use; null when the model could not start (its baseline may be the reason). */
  profile: BaselineProfile | null;
  status: 'running' | 'failed';
  /** Why the model is not running (status 'failed'). */
  error?: string;
  /** The Kafka consumer's state, when there is one. */
  consumer?: { connected: boolean };
}

/** /readyz's answer: ready, or the reasons why not ("store closed", "model fraud: consumer not connected"). */
export interface ReadyState {
  ok: boolean;
  reasons: string[];
  /** Models whose topics do not exist yet -> those topics (absent when none waits). */
  waitingForTopic?: Record<string, readonly string[]>;
  /** What a ready service still warns of (a baseline prediction the events do not carry); never makes it not ready. */
  notes?: string[];
}

/** Everything the app needs from the service; the app knows nothing of the Service class. */
export interface AppDeps {
  store: Store;
  /** Only the `api` section is read (a whole DriftwatchConfig fits). */
  config: { api: ApiConfig };
  /** The configured models, asked on each request (a model may fail or recover while running). */
  models: () => ApiModel[];
  logger: Logger;
  tokens: TokenSet;
  ready: () => ReadyState;
  metrics: Metrics;
  /** Runs a check of the model now with alerts (as a scheduled run does) and returns the stored report. */
  runCheck?: (model: string) => Promise<LiveReport>;
  /** Checks any window of a running model (ending at `now`) without storing it or evaluating alerts. */
  checkWindow?: (model: string, window: WindowSpecValue, now: number) => Promise<LiveReport>;
  /** Starts a replay of a model's topics inside the serving process, unless one of the model runs (`busy`). */
  startReplay?: (model: string, from: string, to: string | undefined) => { started: ReplayJob } | { busy: ReplayJob };
  /** A replay started through the API (the newest are kept after they end). */
  replayJob?: (id: string) => ReplayJob | undefined;
  /** Stores a model's events through the decoder, sampler and writer Kafka uses (see HttpIngest). */
  ingest?: (model: string, events: PredictionEvent[], key?: string) => Promise<IngestResult & { replayed?: true }>;
  /** Stores a model's labels (HTTP labels: the sampler's decision on their ids, the labels writer). */
  ingestLabels?: (model: string, labels: LabelInput[], key?: string) => Promise<LabelIngestResult & { replayed?: true }>;
  /** Adds routes (the dashboard) after the API's and before the JSON 404. */
  extend?: (app: Express) => void;
  /** The clock, for silences (tests pass their own). */
  now?: () => number;
}

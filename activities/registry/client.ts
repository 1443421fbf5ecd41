// Typed MLflow REST client on global fetch (facts/mlflow.md). Every response is checked with the zod
// schemas in schemas/, so a server that changes shape fails loudly here instead of deep inside a workflow.
import type { z } from 'zod';
import type { MlflowExperiment, MlflowModelVersion, MlflowRegisteredModel, MlflowRun } from '../../schemas/registry.js';
import {
  MlflowCreateExperimentResponse,
  MlflowEmptyResponse,
  MlflowErrorBody,
  MlflowGetExperimentResponse,
  MlflowModelVersionResponse,
  MlflowRegisteredModelResponse,
  MlflowRunResponse,
  MlflowSearchModelVersionsResponse,
  MlflowSearchRunsResponse,
  MlflowUpdateRunResponse,
  type MlflowMetricPoint,
  type MlflowRunStatus,
} from '../../schemas/mlflow-wire.js';
import { MlflowError } from './errors.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Query = Record<string, string | number | undefined>;

// log-batch limits from the proto: 1000 items per request, of which at most 100 params and 100 tags.
const BATCH_MAX_ITEMS = 1000;
const BATCH_MAX_PARAMS = 100;
const BATCH_MAX_TAGS = 100;

function toTagList(tags: Record<string, string> | undefined): { key: string; value: string }[] | undefined {
  if (!tags) return undefined;
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class MlflowClient {
  private readonly base: string;
  private readonly fetchTimeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(opts: { url: string; fetchTimeoutMs?: number; headers?: Record<string, string> }) {
    this.base = `${opts.url.replace(/\/+$/, '')}/api/2.0/mlflow/`;
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? 30_000;
    this.headers = opts.headers ?? {};
  }

  // ---------------------------------------------------------------- transport

  private async call<S extends z.ZodType>(
    method: Method,
    path: string,
    schema: S,
    args: { query?: Query; body?: unknown } = {},
  ): Promise<z.infer<S>> {
    const endpoint = `${method} ${path}`;
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(args.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    // MLflow reads parameters of every non-GET request, DELETE included, from a JSON body.
    const hasBody = method !== 'GET';
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...(hasBody ? { 'Content-Type': 'application/json' } : {}), ...this.headers },
        body: hasBody ? JSON.stringify(args.body ?? {}) : undefined,
        signal: AbortSignal.timeout(this.fetchTimeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new MlflowError({
        status: 0,
        errorCode: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        message: timedOut
          ? `no answer from ${this.base} within ${this.fetchTimeoutMs} ms`
          : `cannot reach ${this.base} (${err instanceof Error ? err.message : String(err)}${cause}); is the MLflow server running?`,
        endpoint,
        retryable: true,
        cause: err,
      });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const body = MlflowErrorBody.safeParse(json);
      throw new MlflowError({
        status: res.status,
        errorCode: (body.success && body.data.error_code) || `HTTP_${res.status}`,
        message: (body.success && body.data.message) || text.slice(0, 300) || res.statusText,
        endpoint,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new MlflowError({
        status: res.status,
        errorCode: 'INVALID_RESPONSE',
        message: `unexpected response shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        endpoint,
        retryable: false,
      });
    }
    return parsed.data;
  }

  /** Runs `fn` and turns a 404 / RESOURCE_DOES_NOT_EXIST into undefined. */
  private async orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MlflowError && err.isNotFound) return undefined;
      throw err;
    }
  }

  // ---------------------------------------------------------------- experiments

  async getExperimentByName(name: string): Promise<MlflowExperiment | undefined> {
    const res = await this.orUndefined(() =>
      this.call('GET', 'experiments/get-by-name', MlflowGetExperimentResponse, { query: { experiment_name: name } }),
    );
    return res?.experiment;
  }

  async createExperiment(name: string, tags?: Record<string, string>): Promise<string> {
    const res = await this.call('POST', 'experiments/create', MlflowCreateExperimentResponse, {
      body: { name, tags: toTagList(tags) },
    });
    return res.experiment_id;
  }

  /** Experiment id by name, created when absent; a concurrent creator winning the race counts as success. */
  async ensureExperiment(name: string): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing) return existing.experiment_id;
    try {
      return await this.createExperiment(name);
    } catch (err) {
      if (!(err instanceof MlflowError && err.isAlreadyExists)) throw err;
      const raced = await this.getExperimentByName(name);
      if (!raced) throw err;
      return raced.experiment_id;
    }
  }

  // ---------------------------------------------------------------- runs

  async createRun(opts: {
    experimentId: string;
    runName?: string;
    tags?: Record<string, string>;
    startTime?: number;
  }): Promise<MlflowRun> {
    const res = await this.call('POST', 'runs/create', MlflowRunResponse, {
      body: {
        experiment_id: opts.experimentId,
        run_name: opts.runName,
        start_time: opts.startTime ?? Date.now(),
        tags: toTagList(opts.tags),
      },
    });
    return res.run;
  }

  async getRun(runId: string): Promise<MlflowRun> {
    const res = await this.call('GET', 'runs/get', MlflowRunResponse, { query: { run_id: runId } });
    return res.run;
  }

  async updateRun(runId: string, status: MlflowRunStatus, endTime?: number): Promise<void> {
    await this.call('POST', 'runs/update', MlflowUpdateRunResponse, {
      body: { run_id: runId, status, end_time: endTime },
    });
  }

  /**
   * Logs metrics, params and tags, split into requests within the log-batch limits.
   * Metrics given as a record share one timestamp and step 0; pass points for deterministic retries.
   */
  async logBatch(
    runId: string,
    data: {
      metrics?: Record<string, number> | MlflowMetricPoint[];
      params?: Record<string, string>;
      tags?: Record<string, string>;
    },
  ): Promise<void> {
    const now = Date.now();
    const points: MlflowMetricPoint[] = Array.isArray(data.metrics)
      ? data.metrics
      : Object.entries(data.metrics ?? {}).map(([key, value]) => ({ key, value }));
    for (const p of points) {
      // JSON has no NaN/Infinity: JSON.stringify would send null and MLflow would reject the whole batch.
      if (!Number.isFinite(p.value)) {
        throw new MlflowError({
          status: 400,
          errorCode: 'INVALID_PARAMETER_VALUE',
          message: `metric "${p.key}" has the non-finite value ${p.value}; log only finite numbers (drop or clamp it)`,
          endpoint: 'POST runs/log-batch',
          retryable: false,
        });
      }
    }
    const metrics = points.map((p) => ({
      key: p.key,
      value: p.value,
      timestamp: p.timestamp ?? now,
      step: p.step ?? 0,
    }));
    const params = toTagList(data.params) ?? [];
    const tags = toTagList(data.tags) ?? [];
    while (metrics.length > 0 || params.length > 0 || tags.length > 0) {
      const p = params.splice(0, BATCH_MAX_PARAMS);
      const t = tags.splice(0, BATCH_MAX_TAGS);
      const m = metrics.splice(0, BATCH_MAX_ITEMS - p.length - t.length);
      await this.call('POST', 'runs/log-batch', MlflowEmptyResponse, {
        body: { run_id: runId, metrics: m, params: p, tags: t },
      });
    }
  }

  async setRunTag(runId: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'runs/set-tag', MlflowEmptyResponse, { body: { run_id: runId, key, value } });
  }

  /** Active runs matching `filter` across all pages, up to maxResults (default: all). */
  async searchRuns(opts: {
    experimentIds: string[];
    filter?: string;
    maxResults?: number;
    orderBy?: string[];
    pageSize?: number;
  }): Promise<MlflowRun[]> {
    const runs: MlflowRun[] = [];
    let pageToken: string | undefined;
    const limit = opts.maxResults ?? Number.POSITIVE_INFINITY;
    do {
      const res = await this.call('POST', 'runs/search', MlflowSearchRunsResponse, {
        body: {
          experiment_ids: opts.experimentIds,
          filter: opts.filter,
          max_results: Math.min(opts.pageSize ?? 1000, limit - runs.length),
          order_by: opts.orderBy,
          page_token: pageToken,
        },
      });
      runs.push(...res.runs);
      pageToken = res.next_page_token;
    } while (pageToken && runs.length < limit);
    return runs.slice(0, limit);
  }

  // ---------------------------------------------------------------- registered models

  async getRegisteredModel(name: string): Promise<MlflowRegisteredModel | undefined> {
    const res = await this.orUndefined(() =>
      this.call('GET', 'registered-models/get', MlflowRegisteredModelResponse, { query: { name } }),
    );
    return res?.registered_model;
  }

  async createRegisteredModel(
    name: string,
    tags?: Record<string, string>,
    description?: string,
  ): Promise<MlflowRegisteredModel> {
    const res = await this.call('POST', 'registered-models/create', MlflowRegisteredModelResponse, {
      body: { name, tags: toTagList(tags), description },
    });
    return res.registered_model;
  }

  async ensureRegisteredModel(name: string): Promise<MlflowRegisteredModel> {
    const existing = await this.getRegisteredModel(name);
    if (existing) return existing;
    try {
      return await this.createRegisteredModel(name);
    } catch (err) {
      if (!(err instanceof MlflowError && err.isAlreadyExists)) throw err;
      const raced = await this.getRegisteredModel(name);
      if (!raced) throw err;
      return raced;
    }
  }

  // ---------------------------------------------------------------- model versions

  async createModelVersion(opts: {
    name: string;
    source: string;
    runId?: string;
    tags?: Record<string, string>;
    description?: string;
    modelId?: string;
  }): Promise<MlflowModelVersion> {
    const res = await this.call('POST', 'model-versions/create', MlflowModelVersionResponse, {
      body: {
        name: opts.name,
        source: opts.source,
        run_id: opts.runId,
        tags: toTagList(opts.tags),
        description: opts.description,
        model_id: opts.modelId,
      },
    });
    return res.model_version;
  }

  async getModelVersion(name: string, version: string): Promise<MlflowModelVersion> {
    const res = await this.call('GET', 'model-versions/get', MlflowModelVersionResponse, { query: { name, version } });
    return res.model_version;
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.call('DELETE', 'model-versions/delete', MlflowEmptyResponse, { body: { name, version } });
  }

  /** All versions matching `filter` (e.g. `name='churn'`), across pages. */
  async searchModelVersions(
    filter: string,
    opts: { maxResults?: number; orderBy?: string[]; pageSize?: number } = {},
  ): Promise<MlflowModelVersion[]> {
    const versions: MlflowModelVersion[] = [];
    let pageToken: string | undefined;
    const limit = opts.maxResults ?? Number.POSITIVE_INFINITY;
    do {
      const query: Query = {
        filter,
        max_results: Math.min(opts.pageSize ?? 1000, limit - versions.length),
        page_token: pageToken,
      };
      // order_by is repeated in a GET query string; only one clause is supported here to keep the URL simple.
      if (opts.orderBy?.[0]) query.order_by = opts.orderBy[0];
      const res = await this.call('GET', 'model-versions/search', MlflowSearchModelVersionsResponse, { query });
      versions.push(...res.model_versions);
      pageToken = res.next_page_token;
    } while (pageToken && versions.length < limit);
    return versions.slice(0, limit);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', MlflowEmptyResponse, { body: { name, version, key, value } });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.call('DELETE', 'model-versions/delete-tag', MlflowEmptyResponse, { body: { name, version, key } });
  }

  /**
   * Polls until the version leaves PENDING_REGISTRATION (OSS SQL stores are READY at once).
   * FAILED_REGISTRATION is a permanent error; running out of time is a retryable one.
   */
  async waitForVersionReady(
    name: string,
    version: string,
    opts: { timeoutMs?: number; pollIntervalMs?: number; onPoll?: (v: MlflowModelVersion) => void } = {},
  ): Promise<MlflowModelVersion> {
    const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
    for (;;) {
      const v = await this.getModelVersion(name, version);
      opts.onPoll?.(v);
      if (v.status === 'FAILED_REGISTRATION') {
        throw new MlflowError({
          status: 0,
          errorCode: 'FAILED_REGISTRATION',
          message: `model ${name} version ${version} failed to register: ${v.status_message ?? 'no message'}`,
          endpoint: 'GET model-versions/get',
          retryable: false,
        });
      }
      if (v.status !== 'PENDING_REGISTRATION') return v;
      if (Date.now() >= deadline) {
        throw new MlflowError({
          status: 0,
          errorCode: 'DEADLINE_EXCEEDED',
          message: `model ${name} version ${version} still PENDING_REGISTRATION after ${opts.timeoutMs ?? 300_000} ms`,
          endpoint: 'GET model-versions/get',
          retryable: true,
        });
      }
      await sleep(opts.pollIntervalMs ?? 1000);
    }
  }

  // ---------------------------------------------------------------- aliases

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', MlflowEmptyResponse, { body: { name, alias, version } });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', MlflowEmptyResponse, { body: { name, alias } });
  }

  /** The version an alias points at; undefined when the alias or the registered model does not exist. */
  async getVersionByAlias(name: string, alias: string, attempts = 3): Promise<MlflowModelVersion | undefined> {
    try {
      const res = await this.call('GET', 'registered-models/alias', MlflowModelVersionResponse, {
        query: { name, alias },
      });
      return res.model_version;
    } catch (err) {
      // A missing alias is a 400 INVALID_PARAMETER_VALUE on the SQL store, not a 404; confirm absence through the
      // registered model instead of matching message text.
      if (!(err instanceof MlflowError) || (err.status !== 400 && !err.isNotFound)) throw err;
      const model = await this.getRegisteredModel(name);
      if (!model || !model.aliases.some((a) => a.alias === alias)) return undefined;
      // The alias appeared between the two calls (a concurrent promotion): ask again.
      if (attempts > 1) return this.getVersionByAlias(name, alias, attempts - 1);
      throw err;
    }
  }
}

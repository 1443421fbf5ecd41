// Registry activities: MLflow runs, versions and aliases. Each one is idempotent, keyed on the workflow id
// stored in MLflow tags, so a Temporal retry finds the work an earlier attempt already did.
import { asyncLocalStorage } from '@temporalio/activity';
import type { Endpoints } from '../../schemas/stack.js';
import type { PromoteResult, RegisterResult } from '../../schemas/pipeline.js';
import type { MlflowModelVersion } from '../../schemas/registry.js';
import type {
  AliasRef,
  AliasTarget,
  EnsureRunInput,
  EnsureRunResult,
  FinishRunInput,
  RegisterVersionInput,
  RunSnapshot,
  SetAliasInput,
} from '../../schemas/mlflow-wire.js';
import { MlflowClient } from './client.js';
import { MlflowError, toActivityFailure } from './errors.js';

export const TAG_WORKFLOW_ID = 'sluice.workflow_id';
export const TAG_STAGE = 'sluice.stage';
export const TAG_MODEL = 'sluice.model';
export const TAG_MODEL_ID = 'sluice.model_id';
export const TAG_PROMOTED_BY = 'sluice.promoted_by';
/** Version tag holding the version an alias pointed at before this version took it (for rollback). */
export const previousAliasTag = (alias: string): string => `sluice.previous_${alias}`;

/** Quotes a value for an MLflow search filter, which has no escape for a quote inside the string. */
function filterLiteral(field: string, value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new MlflowError({
    status: 400,
    errorCode: 'INVALID_PARAMETER_VALUE',
    message: `${field} ${JSON.stringify(value)} contains both ' and ", which MLflow search filters cannot express; use an id without quotes`,
    endpoint: 'search filter',
    retryable: false,
  });
}

const tagMap = (tags: { key: string; value: string }[]): Record<string, string> =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));

/** Heartbeats when running inside a Temporal activity; a no-op when called directly (tests, scripts). */
function heartbeat(details?: unknown): void {
  asyncLocalStorage.getStore()?.heartbeat(details);
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    return toActivityFailure(err);
  }
}

export function createRegistryActivities(
  endpoints: Endpoints,
  client = new MlflowClient({ url: endpoints.mlflow.url }),
) {
  /** Versions of `model` registered by this workflow, oldest first. */
  async function versionsOfWorkflow(model: string, workflowId: string): Promise<MlflowModelVersion[]> {
    const filter = `name=${filterLiteral('model', model)} and tags.\`${TAG_WORKFLOW_ID}\` = ${filterLiteral('workflowId', workflowId)}`;
    const found = await client.searchModelVersions(filter);
    return found.sort((a, b) => Number(a.version) - Number(b.version));
  }

  return {
    /** The run for this workflow stage: found by its tags, created on the first attempt. */
    async ensureRun(input: EnsureRunInput): Promise<EnsureRunResult> {
      return mapped(async () => {
        const experimentId = await client.ensureExperiment(input.experiment);
        const filter =
          `tags."${TAG_WORKFLOW_ID}" = ${filterLiteral('workflowId', input.workflowId)}` +
          ` and tags."${TAG_STAGE}" = ${filterLiteral('stage', input.stage)}`;
        const [existing] = await client.searchRuns({
          experimentIds: [experimentId],
          filter,
          maxResults: 1,
          orderBy: ['attributes.start_time ASC'],
        });
        const run =
          existing ??
          (await client.createRun({
            experimentId,
            runName: input.runName,
            tags: {
              ...input.tags,
              [TAG_WORKFLOW_ID]: input.workflowId,
              [TAG_STAGE]: input.stage,
              [TAG_MODEL]: input.model,
            },
          }));
        return { runId: run.info.run_id, experimentId, artifactUri: run.info.artifact_uri };
      });
    },

    async finishRun(input: FinishRunInput): Promise<void> {
      return mapped(() => client.updateRun(input.runId, input.status, Date.now()));
    },

    /** Latest metric values, params, tags and status of a run. */
    async readRun(runId: string): Promise<RunSnapshot> {
      return mapped(async () => {
        const run = await client.getRun(runId);
        return {
          metrics: Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])),
          params: tagMap(run.data.params),
          tags: tagMap(run.data.tags),
          status: run.info.status ?? 'UNKNOWN',
        };
      });
    },

    /** Registers `source` as a new version once per workflow; a retry returns the version already made. */
    async registerVersion(input: RegisterVersionInput): Promise<RegisterResult> {
      return mapped(async () => {
        await client.ensureRegisteredModel(input.model);
        const [existing] = await versionsOfWorkflow(input.model, input.workflowId);
        if (existing) return { name: input.model, version: existing.version, created: false };

        const tags: Record<string, string> = { ...input.tags, [TAG_WORKFLOW_ID]: input.workflowId };
        if (input.modelId) tags[TAG_MODEL_ID] = input.modelId;
        const created = await client.createModelVersion({
          name: input.model,
          source: input.source,
          runId: input.runId,
          modelId: input.modelId,
          tags,
        });
        // Two attempts racing (a timed-out attempt still running) can both create; the oldest wins, the other goes.
        const [winner] = await versionsOfWorkflow(input.model, input.workflowId);
        if (winner && winner.version !== created.version) {
          await client.deleteModelVersion(input.model, created.version);
          return { name: input.model, version: winner.version, created: false };
        }
        await client.waitForVersionReady(input.model, created.version, {
          timeoutMs: 300_000,
          onPoll: (v) => heartbeat(v.status),
        });
        return { name: input.model, version: created.version, created: true };
      });
    },

    /** The version behind `alias`, or null when the model or the alias does not exist. */
    async getAlias(input: AliasRef): Promise<AliasTarget | null> {
      return mapped(async () => {
        const v = await client.getVersionByAlias(input.model, input.alias);
        if (!v) return null;
        return { version: v.version, runId: v.run_id, source: v.source, tags: tagMap(v.tags) };
      });
    },

    /**
     * Points `alias` at `version`, first recording the version it replaces in the tag sluice.previous_<alias>
     * on the new version so a rollback knows where to return.
     */
    async setAlias(input: SetAliasInput): Promise<PromoteResult> {
      return mapped(async () => {
        const { model, alias, version } = input;
        const prevTag = previousAliasTag(alias);
        const current = await client.getVersionByAlias(model, alias);
        if (current?.version === version) {
          const previousVersion = tagMap(current.tags)[prevTag];
          return { alias, version, ...(previousVersion ? { previousVersion } : {}) };
        }
        if (current) {
          await client.setModelVersionTag(model, version, prevTag, current.version);
        } else {
          // A stale tag from an earlier promotion of this version would claim a previous version that is not one.
          await client.deleteModelVersionTag(model, version, prevTag);
        }
        await client.setModelVersionTag(model, version, TAG_PROMOTED_BY, input.workflowId);
        await client.setAlias(model, alias, version);
        return { alias, version, ...(current ? { previousVersion: current.version } : {}) };
      });
    },

    /** Removes `alias` (rollback of a first promotion); absent aliases are fine. */
    async deleteAlias(input: AliasRef): Promise<void> {
      return mapped(async () => {
        try {
          await client.deleteAlias(input.model, input.alias);
        } catch (err) {
          if (!(err instanceof MlflowError && err.isNotFound)) throw err;
        }
      });
    },
  };
}

export type RegistryActivities = ReturnType<typeof createRegistryActivities>;

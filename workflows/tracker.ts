import { ApplicationFailure, log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { STAGES, type PipelineStatus, type StageName, type StageStatus } from '../schemas/pipeline.js';
import { SA_OUTCOME, SA_STAGE } from './definitions.js';

/** Rejection of a pipeline by a stage (bad data, a failed gate): an expected outcome, not an error. */
export class StageRejection extends Error {
  /** `details`: what the stage produced before rejecting (report locations), for `sluice status`. */
  constructor(
    readonly reasons: string[],
    readonly details: Record<string, unknown> = {},
  ) {
    super(reasons.join('; '));
    this.name = 'StageRejection';
  }
}

/**
 * Keeps the pipeline's status for the `status` query and the search attributes in step with the stages.
 * Times come from the workflow clock, which is deterministic.
 */
export class PipelineTracker {
  readonly status: PipelineStatus;

  constructor(workflowId: string, model: string, stages: readonly StageName[] = STAGES) {
    this.status = {
      workflowId,
      model,
      outcome: 'running',
      reasons: [],
      metrics: {},
      stages: stages.map((name): StageStatus => ({ name, state: 'pending', details: {} })),
    };
  }

  stage(name: StageName): StageStatus {
    const s = this.status.stages.find((x) => x.name === name);
    if (!s) throw new Error(`stage ${name} is not part of this pipeline`);
    return s;
  }

  /**
   * Runs one stage: marks it running, then succeeded with `describe(result)`, rejected on StageRejection,
   * failed on anything else. Rejections and failures end the pipeline, so the remaining stages are skipped.
   */
  async run<T>(
    name: StageName,
    fn: () => Promise<T>,
    describe: (r: T) => { outcome: string; details?: Record<string, unknown> },
  ): Promise<T> {
    const s = this.stage(name);
    s.state = 'running';
    s.startedAt = new Date().toISOString();
    upsertSearchAttributes([{ key: SA_STAGE, value: name }]);
    log.info(`stage ${name} started`, { stage: name });
    try {
      const result = await fn();
      const d = describe(result);
      Object.assign(s, { state: 'succeeded', endedAt: new Date().toISOString(), outcome: d.outcome });
      s.details = { ...s.details, ...d.details };
      log.info(`stage ${name} succeeded: ${d.outcome}`, { stage: name });
      return result;
    } catch (err) {
      s.endedAt = new Date().toISOString();
      if (err instanceof StageRejection) {
        s.state = 'rejected';
        s.outcome = err.reasons.join('; ');
        s.details = { ...s.details, ...err.details };
        this.finish('rejected', name, err.reasons);
      } else {
        const reason = describeError(err);
        s.state = 'failed';
        s.outcome = reason;
        this.finish('failed', name, [reason]);
      }
      log.warn(`stage ${name} ${s.state}: ${s.outcome}`, { stage: name });
      throw err;
    }
  }

  finish(outcome: PipelineStatus['outcome'], stage?: StageName, reasons: string[] = []): void {
    this.status.outcome = outcome;
    if (stage) this.status.stage = stage;
    this.status.reasons = reasons;
    for (const s of this.status.stages) if (s.state === 'pending') s.state = 'skipped';
    upsertSearchAttributes([{ key: SA_OUTCOME, value: outcome }]);
    log.info(`pipeline ${outcome}`, { stage: stage ?? 'end', workflowId: workflowInfo().workflowId });
  }
}

/**
 * The activity's own words from a Temporal failure chain, not "Activity task failed": the first ApplicationFailure
 * (what an activity threw on purpose, e.g. "dataset train not found at …; check data.train"), else the innermost
 * cause (a timeout, a raw error). The ApplicationFailure's own cause is the low-level error it explains.
 */
export function describeError(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object') {
    if (e instanceof ApplicationFailure && e.message) return e.message;
    const next = (e as { cause?: unknown }).cause;
    if (!next) break;
    e = next;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

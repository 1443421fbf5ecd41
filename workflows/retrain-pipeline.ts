import { isCancellation, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { PipelineInput, PipelineStatus } from '../schemas/pipeline.js';
import { SA_MODEL, statusQuery } from './definitions.js';
import { evaluateStage } from './stages/evaluate.js';
import { gateStage } from './stages/gate.js';
import { promoteStage, registerStage } from './stages/register.js';
import { trainStage } from './stages/train.js';
import { driftDetails, driftOutcome } from './stages/drift.js';
import { validateStage } from './stages/validate.js';
import { PipelineTracker } from './tracker.js';

const fmtMetrics = (m: Record<string, number>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`)
    .join(', ') || 'no metrics';

/**
 * The built-in retraining pipeline: validate → train → evaluate → gate → register → promote, each an exported
 * stage function. It always completes with a PipelineStatus whose outcome is promoted, rejected (with reasons)
 * or failed (with the stage and reason); the workflow itself only fails on a bug.
 */
export async function retrainPipeline(input: PipelineInput): Promise<PipelineStatus> {
  const { spec, trigger, artifactRoot } = input;
  const ctx = { workflowId: workflowInfo().workflowId, artifactRoot };
  const tracker = new PipelineTracker(ctx.workflowId, spec.model);
  setHandler(statusQuery, () => tracker.status);
  upsertSearchAttributes([{ key: SA_MODEL, value: spec.model }]);

  try {
    const validation = await tracker.run(
      'validate',
      () => validateStage(spec, ctx),
      (v) => ({
        outcome: `${Object.entries(v.rows)
          .map(([k, n]) => `${k} ${n} rows`)
          .join(', ')}; all checks passed${v.drift ? `; ${driftOutcome(v.drift)}` : ''}`,
        details: {
          reportUri: v.reportUri,
          rows: v.rows,
          ...(v.profileUris ? { profileUris: v.profileUris } : {}),
          ...(v.trainData ? { trainData: v.trainData } : {}),
          ...(v.drift ? driftDetails(v.drift) : {}),
        },
      }),
    );
    const train = await tracker.run(
      'train',
      () => trainStage(spec, ctx),
      (t) => ({
        outcome: `MLflow run ${t.runId}${t.attempts > 1 ? ` after ${t.attempts} attempts` : ''}`,
        details: {
          runId: t.runId,
          modelSource: t.modelSource,
          modelId: t.modelId,
          logUri: t.logUri,
          attempts: t.attempts,
        },
      }),
    );
    tracker.status.mlflowRunId = train.runId;
    const evaluation = await tracker.run(
      'evaluate',
      () => evaluateStage(spec, ctx, train),
      (e) => ({
        outcome:
          fmtMetrics(e.metrics) +
          (e.champion ? `; champion v${e.champion.version}: ${fmtMetrics(e.champion.metrics)}` : ''),
        details: { runId: e.runId, logUri: e.logUri, championVersion: e.champion?.version },
      }),
    );
    tracker.status.metrics = evaluation.metrics;
    if (evaluation.champion) tracker.status.championMetrics = evaluation.champion.metrics;
    await tracker.run(
      'gate',
      () => gateStage(spec, evaluation),
      (g) => ({ outcome: g.checks.join('; ') || 'no gates configured', details: { checks: g.checks } }),
    );
    const version = await tracker.run(
      'register',
      () => registerStage(spec, ctx, train, trigger, validation),
      (r) => ({
        outcome: `${r.name} version ${r.version}${r.created ? '' : ' (found from an earlier attempt)'}`,
        details: { ...r },
      }),
    );
    tracker.status.modelVersion = version.version;
    const promoted = await tracker.run(
      'promote',
      () => promoteStage(spec, ctx, version.version),
      (p) => ({
        outcome: `@${p.alias} → v${p.version}${p.previousVersion ? ` (was v${p.previousVersion})` : ' (first champion)'}`,
        details: { ...p },
      }),
    );
    tracker.status.alias = promoted.alias;
    tracker.finish('promoted');
  } catch (err) {
    // The tracker has recorded the rejecting or failing stage and its reasons; only cancellation propagates.
    if (isCancellation(err)) throw err;
  }
  return tracker.status;
}

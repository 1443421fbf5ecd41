import type { EvaluationResult, TrainResult } from '../../schemas/pipeline.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import { experimentName, registry, type StageContext } from './context.js';
import { runStageJob } from './job.js';
import { candidateUri } from './train.js';

async function scoreModel(
  spec: PipelineSpec,
  ctx: StageContext,
  stage: string,
  modelUri: string,
): Promise<{ runId: string; metrics: Record<string, number>; logUri: string }> {
  const run = await registry.ensureRun({
    experiment: experimentName(spec),
    workflowId: ctx.workflowId,
    stage,
    runName: `${stage}-${ctx.workflowId}`,
    model: spec.model,
  });
  const job = await runStageJob(stage, spec.evaluation, ctx, {
    holdout: spec.data.holdout,
    data: spec.data.holdout,
    train: spec.data.train,
    runId: run.runId,
    modelUri,
    model: spec.model,
  });
  const { metrics } = await registry.readRun(run.runId);
  await registry.finishRun({ runId: run.runId, status: 'FINISHED' });
  return { runId: run.runId, metrics, logUri: job.logUri };
}

/**
 * Scores the candidate on the holdout set and, when the spec compares against the champion, scores the current
 * champion on the same holdout so both numbers come from the same data and code.
 */
export async function evaluateStage(
  spec: PipelineSpec,
  ctx: StageContext,
  train: TrainResult,
): Promise<EvaluationResult> {
  const candidate = await scoreModel(spec, ctx, 'evaluate', candidateUri(train));
  const result: EvaluationResult = { runId: candidate.runId, metrics: candidate.metrics, logUri: candidate.logUri };
  if (spec.evaluation.champion) {
    const champ = await registry.getAlias({ model: spec.model, alias: spec.promotion.alias });
    if (champ) {
      const scored = await scoreModel(spec, ctx, 'evaluate-champion', `models:/${spec.model}/${champ.version}`);
      result.champion = { version: champ.version, runId: scored.runId, metrics: scored.metrics };
    }
  }
  return result;
}

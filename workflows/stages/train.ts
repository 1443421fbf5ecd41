import type { TrainResult } from '../../schemas/pipeline.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import { experimentName, registry, type StageContext } from './context.js';
import { runStageJob } from './job.js';

/**
 * Trains a candidate: one MLflow run per pipeline (found again on retry by its tags), the training job launched
 * once, and the model's location read back from the run's `sluice.model_source` tag the job sets.
 */
export async function trainStage(spec: PipelineSpec, ctx: StageContext): Promise<TrainResult> {
  const run = await registry.ensureRun({
    experiment: experimentName(spec),
    workflowId: ctx.workflowId,
    stage: 'train',
    runName: `train-${ctx.workflowId}`,
    model: spec.model,
  });
  const job = await runStageJob('train', spec.training, ctx, {
    train: spec.data.train,
    data: spec.data.train,
    holdout: spec.data.holdout,
    runId: run.runId,
    model: spec.model,
  });
  const { tags } = await registry.readRun(run.runId);
  await registry.finishRun({ runId: run.runId, status: 'FINISHED' });
  return {
    runId: run.runId,
    experimentId: run.experimentId,
    // A job that logs no model (a no-op benchmark job) still registers the run's conventional model path.
    modelSource: tags['sluice.model_source'] ?? `runs:/${run.runId}/model`,
    modelId: tags['sluice.model_id'],
    jobId: job.jobId,
    logUri: job.logUri,
    attempts: job.attempts,
  };
}

/** The URI an evaluation job loads the candidate from. */
export function candidateUri(train: TrainResult): string {
  return train.modelId ? `models:/${train.modelId}` : train.modelSource;
}

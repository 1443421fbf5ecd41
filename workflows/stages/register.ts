import type { PromoteResult, RegisterResult, TrainResult } from '../../schemas/pipeline.js';
import type { PipelineSpec, Trigger } from '../../schemas/spec.js';
import { registry, type StageContext } from './context.js';

/** Registers the candidate as a new model version; a retry finds the version it created (tagged with the workflow id). */
export async function registerStage(
  spec: PipelineSpec,
  ctx: StageContext,
  train: TrainResult,
  trigger?: Trigger,
): Promise<RegisterResult> {
  return registry.registerVersion({
    model: spec.model,
    source: train.modelSource,
    runId: train.runId,
    workflowId: ctx.workflowId,
    modelId: train.modelId,
    tags: trigger ? { 'sluice.trigger': `${trigger.kind}:${trigger.id}` } : {},
  });
}

/** Points the promotion alias at the new version, remembering the version it replaced. */
export async function promoteStage(spec: PipelineSpec, ctx: StageContext, version: string): Promise<PromoteResult> {
  return registry.setAlias({ model: spec.model, alias: spec.promotion.alias, version, workflowId: ctx.workflowId });
}

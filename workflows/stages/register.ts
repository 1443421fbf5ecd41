import type { PromoteResult, RegisterResult, TrainResult, ValidationSummary } from '../../schemas/pipeline.js';
import type { PipelineSpec, Trigger } from '../../schemas/spec.js';
import { registry, type StageContext } from './context.js';
import { TAG_TRAIN_DATA, TAG_TRAIN_PROFILE } from './drift.js';

/**
 * Registers the candidate as a new model version; a retry finds the version it created (tagged with the workflow id).
 * The version remembers its training data (and that data's profile, when validation stored one) so a later run's
 * drift check can compare against what the champion was trained on.
 */
export async function registerStage(
  spec: PipelineSpec,
  ctx: StageContext,
  train: TrainResult,
  trigger?: Trigger,
  validation?: Pick<ValidationSummary, 'profileUris' | 'trainData'>,
): Promise<RegisterResult> {
  const profile = validation?.profileUris?.train;
  return registry.registerVersion({
    model: spec.model,
    source: train.modelSource,
    runId: train.runId,
    workflowId: ctx.workflowId,
    modelId: train.modelId,
    tags: {
      ...(trigger ? { 'sluice.trigger': `${trigger.kind}:${trigger.id}` } : {}),
      // The copy validation kept when the spec checks drift (data.train may be overwritten in place by then);
      // histories from before the copy have none and register exactly as they did.
      [TAG_TRAIN_DATA]: validation?.trainData ?? spec.data.train,
      ...(profile ? { [TAG_TRAIN_PROFILE]: profile } : {}),
    },
  });
}

/** Points the promotion alias at the new version, remembering the version it replaced. */
export async function promoteStage(spec: PipelineSpec, ctx: StageContext, version: string): Promise<PromoteResult> {
  return registry.setAlias({ model: spec.model, alias: spec.promotion.alias, version, workflowId: ctx.workflowId });
}

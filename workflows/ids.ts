import type { Trigger } from '../schemas/spec.js';

/**
 * One workflow id per model and trigger: starting the same trigger twice finds the running (or finished) pipeline
 * instead of training a second model.
 */
export function pipelineWorkflowId(model: string, trigger: Pick<Trigger, 'kind' | 'id'>): string {
  return `sluice-retrain-${model}-${trigger.kind}-${trigger.id}`;
}

/** A job key derived from the workflow id and stage, safe for every scheduler's naming rules. */
export function stageJobKey(workflowId: string, stage: string): string {
  const safe = workflowId.replace(/[^A-Za-z0-9_.:-]/g, '_');
  const key = `${safe}.${stage}`;
  // Keys are capped; a long model name keeps its tail (the trigger id) which is what makes it unique.
  return key.length <= 190 ? key : key.slice(key.length - 190);
}

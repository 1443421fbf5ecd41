import { proxyActivities } from '@temporalio/workflow';
import type { PipelineSpec } from '../../schemas/spec.js';
import type { SluiceActivities } from '../activity-types.js';

/** What every stage function needs to know about the pipeline it runs in. */
export interface StageContext {
  workflowId: string;
  /** Storage prefix for reports and logs (s3://bucket/prefix or file:///dir). */
  artifactRoot: string;
}

/** Where this pipeline run keeps its reports and logs. */
export function runPrefix(ctx: StageContext): string {
  return `${ctx.artifactRoot.replace(/\/+$/, '')}/runs/${ctx.workflowId}`;
}

export function experimentName(spec: PipelineSpec): string {
  return spec.experiment ?? `sluice/${spec.model}`;
}

/** Short registry calls: retried with backoff on 429/5xx, never on 4xx (the activity marks those non-retryable). */
export const registry = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

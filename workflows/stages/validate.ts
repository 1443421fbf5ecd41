import { proxyActivities } from '@temporalio/workflow';
import type { ValidationSummary } from '../../schemas/pipeline.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import type { SluiceActivities } from '../activity-types.js';
import { StageRejection } from '../tracker.js';
import { runPrefix, type StageContext } from './context.js';

const data = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['DataNotFound', 'InvalidData'] },
});

/**
 * Validates the training and holdout data against the spec's contract and stores the report.
 * Throws StageRejection (pipeline outcome `rejected`) when any check fails: no job is launched on bad data.
 */
export async function validateStage(spec: PipelineSpec, ctx: StageContext): Promise<ValidationSummary> {
  const summary = await data.validateDataset({
    datasets: { train: spec.data.train, holdout: spec.data.holdout },
    rules: spec.validation,
    reportUri: `${runPrefix(ctx)}/validation.json`,
  });
  if (!summary.passed) throw new StageRejection(summary.failures.length ? summary.failures : ['validation failed']);
  return summary;
}

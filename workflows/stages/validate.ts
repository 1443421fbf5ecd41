import { patched, proxyActivities } from '@temporalio/workflow';
import type { ValidateStageResult } from '../../schemas/drift-summary.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import type { SluiceActivities } from '../activity-types.js';
import { StageRejection } from '../tracker.js';
import { runPrefix, type StageContext } from './context.js';
import { DRIFT_PATCH, driftStage } from './drift.js';

const data = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['DataNotFound', 'InvalidData'] },
});

/**
 * Validates the training and holdout data against the spec's contract and stores the report; then, when the spec
 * has `validation.drift`, compares the training data with the champion's (see driftStage).
 * Throws StageRejection (pipeline outcome `rejected`) when any check fails: no job is launched on bad data.
 */
export async function validateStage(spec: PipelineSpec, ctx: StageContext): Promise<ValidateStageResult> {
  const summary = await data.validateDataset({
    datasets: { train: spec.data.train, holdout: spec.data.holdout },
    rules: spec.validation,
    reportUri: `${runPrefix(ctx)}/validation.json`,
  });
  // The report and profiles were written either way: a rejection is when people most need to find them.
  const written = {
    reportUri: summary.reportUri,
    rows: summary.rows,
    ...(summary.profileUris ? { profileUris: summary.profileUris } : {}),
  };
  if (!summary.passed)
    throw new StageRejection(summary.failures.length ? summary.failures : ['validation failed'], written);
  // patched() only where the spec asks for drift: histories from before the check (none has it) replay unchanged.
  const check = spec.validation.drift;
  if (check && patched(DRIFT_PATCH)) {
    try {
      return { ...summary, drift: await driftStage(spec, ctx, check) };
    } catch (err) {
      if (err instanceof StageRejection) throw new StageRejection(err.reasons, { ...written, ...err.details });
      throw err;
    }
  }
  return summary;
}

import { proxyActivities } from '@temporalio/workflow';
import type { RunJobResult } from '../../schemas/jobs.js';
import type { EvaluationSpec, TrainingSpec } from '../../schemas/spec.js';
import type { SluiceActivities } from '../activity-types.js';
import { stageJobKey } from '../ids.js';
import { runPrefix, type StageContext } from './context.js';

/**
 * Launches a stage's command on its scheduler and waits for it. The activity is retried on infrastructure
 * failures (a worker crash shows up as a heartbeat timeout); the scheduler's idempotent submit makes such a
 * retry re-attach to the running job instead of starting another. Job failures have their own budget
 * (`retry.maxAttempts`), spent inside the activity.
 */
export async function runStageJob(
  stage: string,
  job: (TrainingSpec | EvaluationSpec) & { scheduler?: 'local' },
  ctx: StageContext,
  placeholders: Record<string, string>,
): Promise<RunJobResult> {
  const training = 'retry' in job ? job : undefined;
  const acts = proxyActivities<SluiceActivities>({
    startToCloseTimeout: job.timeout,
    heartbeatTimeout: job.heartbeatTimeout,
    retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20 },
  });
  return acts.runStageJob({
    key: stageJobKey(ctx.workflowId, stage),
    scheduler: job.scheduler ?? 'local',
    command: job.command,
    env: job.env,
    resources: training?.resources ?? { cpus: 1, gpus: 0 },
    maxAttempts: training?.retry.maxAttempts ?? 1,
    retryableExitCodes: training?.retry.retryableExitCodes ?? [],
    logPrefix: `${runPrefix(ctx)}/logs`,
    placeholders: { ...placeholders, workflowId: ctx.workflowId, output: `${runPrefix(ctx)}/${stage}` },
  });
}

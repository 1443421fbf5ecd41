// The peer in the orchestration benchmark: a bare Temporal workflow with one no-op activity per Sluice stage,
// so the JSON shows what Sluice adds on top of Temporal itself.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(stage: string): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function baselinePipeline(): Promise<void> {
  for (const stage of ['validate', 'train', 'evaluate', 'gate', 'register', 'promote']) await noop(stage);
}

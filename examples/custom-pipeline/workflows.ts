// A user's own workflow composed from Sluice's stage functions: every candidate that passes validation and the
// absolute gates is registered as the `challenger` for a human to review, and the champion is never touched.
import { setHandler, workflowInfo } from '@temporalio/workflow';
import type { PipelineInput, PipelineStatus } from '../../schemas/pipeline.js';
import {
  PipelineTracker,
  evaluateStage,
  gateStage,
  promoteStage,
  registerStage,
  statusQuery,
  trainStage,
  validateStage,
} from '../../workflows/stages/index.js';

export async function challengerPipeline(input: PipelineInput): Promise<PipelineStatus> {
  // No champion comparison here: a challenger only has to clear the absolute gates.
  const spec = { ...input.spec, evaluation: { ...input.spec.evaluation, champion: undefined } };
  const ctx = { workflowId: workflowInfo().workflowId, artifactRoot: input.artifactRoot };
  const tracker = new PipelineTracker(ctx.workflowId, spec.model);
  setHandler(statusQuery, () => tracker.status);
  try {
    await tracker.run(
      'validate',
      () => validateStage(spec, ctx),
      () => ({ outcome: 'data ok' }),
    );
    const train = await tracker.run(
      'train',
      () => trainStage(spec, ctx),
      (t) => ({ outcome: `run ${t.runId}` }),
    );
    const ev = await tracker.run(
      'evaluate',
      () => evaluateStage(spec, ctx, train),
      () => ({ outcome: 'scored' }),
    );
    tracker.status.metrics = ev.metrics;
    await tracker.run(
      'gate',
      () => gateStage(spec, ev),
      (g) => ({ outcome: g.checks.join('; ') }),
    );
    const v = await tracker.run(
      'register',
      () => registerStage(spec, ctx, train),
      (r) => ({ outcome: `v${r.version}` }),
    );
    tracker.status.modelVersion = v.version;
    const challenger = { ...spec, promotion: { alias: 'challenger' } };
    await tracker.run(
      'promote',
      () => promoteStage(challenger, ctx, v.version),
      (p) => ({ outcome: `@${p.alias}` }),
    );
    tracker.status.alias = 'challenger';
    tracker.finish('promoted');
  } catch {
    // Recorded by the tracker.
  }
  return tracker.status;
}

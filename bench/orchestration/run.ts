// Orchestration overhead: N concurrent pipelines whose jobs are `true`, on the embedded stack, against a bare
// Temporal workflow with one no-op activity per stage (the peer), in the same run. Prints JSON.
//   node bin/run-ts.js bench/orchestration/run.ts [--pipelines 20]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createStorage } from '../../activities/storage/index.js';
import { connectClient } from '../../cli/client.js';
import { startPipeline } from '../../cli/pipeline-client.js';
import { parseSpec } from '../../cli/spec-loader.js';
import { startStack, stopStack } from '../../infra/local/stack.js';
import { STAGES, type PipelineStatus } from '../../schemas/pipeline.js';
import { createWorker } from '../../workers/worker.js';
import { percentile, round } from './stats.js';

const { values: args } = parseArgs({
  options: { pipelines: { type: 'string', default: '20' }, keep: { type: 'boolean', default: false } },
});
const N = Number(args.pipelines);
const root = resolve(import.meta.dirname, '..', '..');
const stateDir = resolve(root, '.sluice', 'bench-stack');
const log = (m: string): void => void process.stderr.write(`${m}\n`);

log(`bench/orchestration: ${N} concurrent pipelines; starting the embedded stack under ${stateDir}`);
const endpoints = await startStack({
  root,
  stateDir,
  ports: { temporal: 37233, temporalUi: 38233, mlflow: 35000, s3: 39500 },
  bucket: 'sluice-bench',
  onProgress: (l) => log(`  ${l}`),
});
try {
  const storage = createStorage(endpoints.s3);
  const csv = ['id,x,y', ...Array.from({ length: 20 }, (_, i) => `${i},${i * 0.5},${i % 2}`)].join('\n');
  const data = {
    train: `s3://${endpoints.s3.bucket}/bench/train.csv`,
    holdout: `s3://${endpoints.s3.bucket}/bench/holdout.csv`,
  };
  await storage.write(data.train, csv);
  await storage.write(data.holdout, csv);
  const run = Date.now().toString(36);

  // Sluice: the built-in pipeline with no-op jobs.
  const sluice = await createWorker(endpoints);
  const sluiceRunning = sluice.run();
  const { client, connection } = await connectClient(endpoints);
  const spec = parseSpec(
    {
      model: `bench-${run}`, // one model for all: promotions race on its alias, as concurrent retrains would
      data,
      validation: { minRows: 1, columns: { id: { type: 'integer', unique: true }, x: { type: 'number' } } },
      training: { command: ['true'], heartbeatTimeout: '30s' },
      evaluation: { command: ['true'] },
    },
    'bench spec',
  );
  const t0 = Date.now();
  const results = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const start = Date.now();
      const { handle } = await startPipeline(client, endpoints, spec, { kind: 'test', id: `${run}-${i}` });
      const status: PipelineStatus = await handle.result();
      return { status, latencyMs: Date.now() - start };
    }),
  );
  const sluiceWallMs = Date.now() - t0;
  sluice.worker.shutdown();
  await sluiceRunning;
  const failed = results.filter((r) => r.status.outcome !== 'promoted');
  if (failed.length)
    log(`warning: ${failed.length} pipelines did not promote: ${JSON.stringify(failed[0]?.status.reasons)}`);

  // The peer: bare Temporal, same server, same concurrency.
  const conn = await NativeConnection.connect({ address: endpoints.temporal.address });
  const baseQueue = `bench-baseline-${run}`;
  const baseline = await Worker.create({
    connection: conn,
    taskQueue: baseQueue,
    workflowsPath: resolve(import.meta.dirname, 'baseline-workflows.ts'),
    activities: { noop: async () => {} },
  });
  const b0 = Date.now();
  const baseLatencies = await baseline.runUntil(
    Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const start = Date.now();
        await client.workflow.execute('baselinePipeline', { taskQueue: baseQueue, workflowId: `baseline-${run}-${i}` });
        return Date.now() - start;
      }),
    ),
  );
  const baseWallMs = Date.now() - b0;
  await conn.close();
  await connection.close();

  const stageMs = (name: string): number[] =>
    results.flatMap(({ status }) => {
      const s = status.stages.find((x) => x.name === name);
      return s?.startedAt && s.endedAt ? [Date.parse(s.endedAt) - Date.parse(s.startedAt)] : [];
    });
  const latencies = results.map((r) => r.latencyMs);
  const report = {
    benchmark: 'orchestration',
    pipelines: N,
    promoted: N - failed.length,
    sluice: {
      wallMs: sluiceWallMs,
      pipelinesPerSecond: round((N / sluiceWallMs) * 1000, 2),
      endToEndMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
      perStageOverheadMs: Object.fromEntries(
        STAGES.map((s) => [s, { p50: percentile(stageMs(s), 50), p99: percentile(stageMs(s), 99) }]),
      ),
    },
    peer: {
      name: 'bare Temporal workflow, 6 sequential no-op activities',
      wallMs: baseWallMs,
      pipelinesPerSecond: round((N / baseWallMs) * 1000, 2),
      endToEndMs: { p50: percentile(baseLatencies, 50), p99: percentile(baseLatencies, 99) },
    },
    sluiceOverPeerP50: round(percentile(latencies, 50) / Math.max(1, percentile(baseLatencies, 50)), 2),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  if (!args.keep) await stopStack(stateDir, { save: false });
}

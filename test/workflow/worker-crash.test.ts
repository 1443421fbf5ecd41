// Kill the worker process with SIGKILL while the real training job runs, start a new one, and check the pipeline
// completes with exactly one training process and one model version: the retried activity re-attaches to the job.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { MlflowClient } from '../../activities/registry/client.js';
import { connectClient } from '../../cli/client.js';
import { startPipeline } from '../../cli/pipeline-client.js';
import { stageJobKey } from '../../workflows/ids.js';
import { ROOT, sluiceProcessEnv, suffix, testSpec, withTaskQueue } from '../helpers/pipeline.js';

const endpoints = withTaskQueue(inject('endpoints'), 'crash');
const workers: ChildProcess[] = [];

function startWorkerProcess(name: string): ChildProcess {
  const child = spawn(process.execPath, ['bin/sluice.js', 'worker', '--identity', name], {
    cwd: ROOT,
    env: sluiceProcessEnv(endpoints),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', () => {}); // drain
  workers.push(child);
  return child;
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(() => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
});

it('survives a worker killed mid-training: one training process, one model version', async () => {
  const counter = join(await mkdtemp(join(tmpdir(), 'sluice-crash-')), 'starts.txt');
  // The training command records each start, then runs long enough for the kill to land mid-job.
  const spec = await testSpec(endpoints, (s) => ({
    ...s,
    training: {
      ...s.training!,
      heartbeatTimeout: '3s',
      env: { START_COUNTER: counter },
      command: [
        'sh',
        '-c',
        'echo started >> "$START_COUNTER"; sleep 6; exec python jobs/train.py --train "$0" --run-id "$1" --target churned --drop user_id',
        '{{train}}',
        '{{runId}}',
      ],
    },
  }));
  const first = startWorkerProcess('crash-worker-1');
  const { client, connection } = await connectClient(endpoints);
  try {
    const { handle } = await startPipeline(client, endpoints, spec, { kind: 'test', id: suffix() });
    await until(() => existsSync(counter), 120_000, 'the training job to start');
    first.kill('SIGKILL');
    await until(() => first.exitCode !== null || first.signalCode !== null, 10_000, 'the worker to die');
    startWorkerProcess('crash-worker-2');
    const status = await handle.result();
    expect(status.reasons).toEqual([]);
    expect(status.outcome).toBe('promoted');
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toEqual(['started']);
    const trainJobs = (await readdir(endpoints.jobsDir)).filter((d) =>
      d.startsWith(stageJobKey(handle.workflowId, 'train')),
    );
    expect(trainJobs).toEqual([`${stageJobKey(handle.workflowId, 'train')}.1`]);
    const versions = await new MlflowClient({ url: endpoints.mlflow.url }).searchModelVersions(`name='${spec.model}'`);
    expect(versions.map((v) => v.version)).toEqual(['1']);
  } finally {
    await connection.close();
  }
});

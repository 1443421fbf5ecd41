// `sluice run` and `sluice status` as a user runs them: a real CLI process against the test stack and a worker,
// checking the exit codes (0 promoted, 3 rejected, 1 failed, 2 invalid input) and the JSON they print.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uploadDemoData } from '../../cli/demo.js';
import { PipelineStatus } from '../../schemas/pipeline.js';
import { ROOT, putCsv, sluiceProcessEnv, startTestWorker, suffix, withTaskQueue } from '../helpers/pipeline.js';

const endpoints = withTaskQueue(inject('endpoints'), 'cli');
let w: Awaited<ReturnType<typeof startTestWorker>>;
let dir: string;
let data: { train: string; holdout: string };

/** Runs the CLI asynchronously: the worker serving its pipeline lives in this process and must keep running. */
function sluice(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/sluice.js', ...args],
      { cwd: ROOT, env: sluiceProcessEnv(endpoints) },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function specFile(patch: Record<string, unknown>): Promise<string> {
  const spec = {
    model: `cli-${suffix()}`,
    data,
    validation: { minRows: 10, columns: { age: { type: 'integer', min: 18 } } },
    training: { command: ['true'] },
    evaluation: { command: ['true'] },
    ...patch,
  };
  const path = join(dir, `${suffix()}.yaml`);
  await writeFile(path, stringify(spec));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  data = await uploadDemoData(endpoints);
  w = await startTestWorker(endpoints);
});
afterAll(() => w?.stop());

describe('sluice run', () => {
  it('exits 0 with the final status as JSON when the pipeline is promoted, and status finds it', async () => {
    const r = await sluice('run', await specFile({}), '--wait', '--json', '--trigger-id', `t-${suffix()}`);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const status = PipelineStatus.parse(JSON.parse(r.stdout));
    expect(status.outcome).toBe('promoted');
    expect(status.modelVersion).toBe('1');
    const s = await sluice('status', status.workflowId, '--json');
    expect(s.code).toBe(0);
    expect(PipelineStatus.parse(JSON.parse(s.stdout)).stages.map((x) => x.state)).toEqual(Array(6).fill('succeeded'));
    const human = await sluice('status', status.workflowId);
    expect(human.stdout).toMatch(/Outcome: PROMOTED/);
  });

  it('returns the same pipeline for the same trigger id instead of starting another', async () => {
    const spec = await specFile({});
    const id = `same-${suffix()}`;
    const a = JSON.parse((await sluice('run', spec, '--json', '--trigger-id', id)).stdout);
    const b = JSON.parse((await sluice('run', spec, '--json', '--trigger-id', id)).stdout);
    expect(b.workflowId).toBe(a.workflowId);
    expect([a.existing, b.existing]).toEqual([false, true]);
  });

  it('exits 3 when validation rejects the data', async () => {
    const train = await putCsv(endpoints, 'young.csv', ['age', ...Array(20).fill('12')].join('\n'));
    const r = await sluice('run', await specFile({ data: { ...data, train } }), '--wait');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/REJECTED at validate/);
    expect(r.stdout).toMatch(/age min failed on 20 of 20 rows/);
  });

  it('exits 1 and names the exit code when the training job fails', async () => {
    const r = await sluice('run', await specFile({ training: { command: ['false'] } }), '--wait', '--json');
    expect(r.code).toBe(1);
    const status = PipelineStatus.parse(JSON.parse(r.stdout));
    expect(status.stage).toBe('train');
    expect(status.reasons[0]).toMatch(/'false' exited with code 1/);
  });

  it('exits 2 and lists every problem of an invalid spec before starting anything', async () => {
    const r = await sluice(
      'run',
      await specFile({ training: { command: ['python', '{{trian}}'], resources: { gpus: -1 } } }),
      '--wait',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/training\.resources\.gpus: expected a non-negative integer/);
    expect(r.stderr).toMatch(/training\.command\[1\]: unknown placeholder \{\{trian\}\}/);
  });

  it('exits 2 for a missing spec file and for unknown options', async () => {
    expect((await sluice('run', join(dir, 'nope.yaml'))).code).toBe(2);
    expect((await sluice('run', '--bogus')).code).toBe(2);
  });
});

// Replays every committed workflow history against the current workflow code: a change that would break
// running pipelines (non-determinism) fails here. Record new ones with SLUICE_RECORD_HISTORIES=1 npm test.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { expect, it } from 'vitest';
import { workflowBundlePath } from '../../workers/bundle.js';
import { ROOT } from '../helpers/pipeline.js';

async function histories(): Promise<{ workflowId: string; history: ReturnType<typeof historyFromJSON> }[]> {
  const base = join(ROOT, 'test', 'histories');
  const out = [];
  for (const type of await readdir(base)) {
    for (const f of (await readdir(join(base, type))).filter((x) => x.endsWith('.json'))) {
      const json = JSON.parse(await readFile(join(base, type, f), 'utf8'));
      out.push({ workflowId: `${type}/${f}`, history: historyFromJSON(json) });
    }
  }
  return out;
}

it('replays every committed history without a determinism error', async () => {
  const all = await histories();
  expect(all.length).toBeGreaterThanOrEqual(4);
  const codePath = await workflowBundlePath();
  const failures: string[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath }, replayName: 'sluice-replay' }, all)) {
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  expect(failures).toEqual([]);
});

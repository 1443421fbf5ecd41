// driftUris on files: a text column past the loader's distinct-value cap gets an error instead of a statistic
// computed from truncated counts, and the other columns are compared as usual.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { driftUris } from '../../activities/drift/run.js';
import { createStorage } from '../../activities/storage/index.js';
import { DriftOptions } from '../../schemas/drift.js';

it('reports a high-cardinality text column as an error, never as a statistic', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-drift-run-'));
  const rows = (offset: number) =>
    ['id,x', ...Array.from({ length: 120_000 }, (_, i) => `user-${i + offset},${(i % 97) / 10}`)].join('\n');
  await writeFile(join(dir, 'ref.csv'), rows(0));
  await writeFile(join(dir, 'cur.csv'), rows(500_000));
  const report = await driftUris(
    createStorage(),
    pathToFileURL(join(dir, 'ref.csv')).href,
    pathToFileURL(join(dir, 'cur.csv')).href,
    DriftOptions.parse({}),
  );
  const id = report.columns.find((c) => c.name === 'id');
  expect(id?.error).toMatch(/more than 100 000 distinct values/);
  expect(id?.statistic).toBeUndefined();
  expect(id?.drifted).toBe(false);
  const x = report.columns.find((c) => c.name === 'x');
  expect(x?.statistic).toBe(0);
  expect(report.datasetDrift).toBe(false);
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStorage } from '../activities/storage/index.js';
import type { PipelineSpec } from '../schemas/spec.js';
import type { Endpoints } from '../schemas/stack.js';
import { loadSpec } from './spec-loader.js';
import { REPO_ROOT } from '../infra/repo-root.js';

export { REPO_ROOT };
export const DEMO_SPEC = join(REPO_ROOT, 'examples', 'churn.pipeline.yaml');

/** Puts the bundled churn dataset into the stack's bucket; rewriting identical bytes keeps it idempotent. */
export async function uploadDemoData(endpoints: Endpoints): Promise<{ train: string; holdout: string }> {
  const storage = createStorage(endpoints.s3);
  const base = `s3://${endpoints.s3.bucket}/datasets/churn`;
  const uris = { train: `${base}/train.csv`, holdout: `${base}/holdout.csv` };
  for (const [name, uri] of Object.entries(uris)) {
    const body = await readFile(join(REPO_ROOT, 'examples', 'data', `churn-${name}.csv`));
    await storage.write(uri, body, { contentType: 'text/csv' });
  }
  return uris;
}

/** The demo spec, pointed at the data wherever this stack's bucket is. */
export async function demoSpec(data: { train: string; holdout: string }): Promise<PipelineSpec> {
  const spec = await loadSpec(DEMO_SPEC);
  return { ...spec, data };
}

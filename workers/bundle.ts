import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO_ROOT } from '../infra/repo-root.js';

const ROOT = REPO_ROOT;
export const WORKFLOWS_PATH = join(ROOT, 'workflows', 'index.ts');

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/**
 * The workflow bundle, built once and cached under .sluice/bundle by a hash of the workflow and schema sources:
 * webpack takes seconds, and every worker, test and replay must run the very same code.
 */
export async function workflowBundlePath(workflowsPath = WORKFLOWS_PATH): Promise<string> {
  const hash = createHash('sha256');
  hash.update(workflowsPath);
  const dirs = new Set([join(ROOT, 'workflows'), join(ROOT, 'schemas'), dirname(workflowsPath)]);
  for (const dir of dirs) {
    for (const f of await sourceFiles(dir)) hash.update(f).update(await readFile(f));
  }
  const dir = join(ROOT, '.sluice', 'bundle');
  const path = join(dir, `workflows-${hash.digest('hex').slice(0, 16)}.js`);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, path);
  return path;
}

const noop = (): void => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

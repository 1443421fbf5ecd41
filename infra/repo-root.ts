// The Sluice checkout (or installed package) root, found from this module's location: the same answer whether the
// code runs from source through tsx or from the CLI bundle under .sluice/cli/ (bin/cli-bundle.js). Paths to the
// jobs, the examples, the native engine and the local state hang off it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function find(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'sluice.js')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the Sluice root (bin/sluice.js) above ${from}`);
  }
}

export const REPO_ROOT = find(import.meta.dirname);

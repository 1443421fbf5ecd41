import { resolve } from 'node:path';
import type { StackOptions } from '../../infra/local/stack.js';

/** The test suite's stack: its own ports and state folder, apart from the developer's `sluice dev up`. */
export function testStackOptions(): StackOptions {
  const root = resolve(import.meta.dirname, '..', '..');
  return {
    root,
    stateDir: resolve(root, '.sluice', 'test-stack'),
    ports: { temporal: 17233, temporalUi: 18233, mlflow: 15000, s3: 19000 },
    bucket: 'sluice-test',
  };
}

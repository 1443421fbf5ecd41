// Starts the embedded stack once per test run on its own ports and state folder, so a developer's
// `sluice dev up` stack is never touched, and hands the endpoints to every test file through `inject`.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { Endpoints } from '../schemas/stack.js';
import { stackStatus, startStack, stopStack } from '../infra/local/stack.js';
import { testStackOptions } from './helpers/stack-options.js';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: Endpoints;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.SLUICE_TEST_ENDPOINTS) {
    // Lets a developer point the suite at services already running.
    project.provide('endpoints', Endpoints.parse(JSON.parse(process.env.SLUICE_TEST_ENDPOINTS)));
    return async () => {};
  }
  const opts = testStackOptions();
  // A stack that was already up belongs to another run (a developer running two test files at once): leave it.
  const before = await stackStatus(opts.stateDir).catch(() => undefined);
  const wasUp = !!before && before.temporal.up && before.mlflow.up && before.s3.up;
  const endpoints = await startStack(opts);
  project.provide('endpoints', endpoints);
  return async () => {
    // Test buckets hold throwaway objects: not saved, so a stop stays quick and runs do not accumulate them.
    if (!wasUp && !process.env.SLUICE_TEST_KEEP_STACK) await stopStack(opts.stateDir, { save: false });
  };
}

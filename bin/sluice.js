#!/usr/bin/env node
// The CLI entry. It runs the TypeScript sources as an esbuild bundle that is rebuilt whenever they change
// (bin/cli-bundle.js), so there is no build step between editing and running; without the bundle it runs them
// through tsx.
// The AWS SDK warns about Node 20 on every command; Sluice pins an SDK version that supports it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The demo's worker runs in this process: keep its JSON logs out of the progress display.
if (process.argv[2] === 'demo')
  process.env.SLUICE_LOG_FILE ??= new URL('../.sluice/logs/demo.log', import.meta.url).pathname;
import { pathToFileURL } from 'node:url';
import { cliBundle } from './cli-bundle.js';

const entry = await cliBundle(new URL('..', import.meta.url).pathname);
if (entry) {
  // Stack traces name the TypeScript sources, not the bundle.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}

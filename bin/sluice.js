#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so there is no build step between editing and running.
// The AWS SDK warns about Node 20 on every command; Sluice pins an SDK version that supports it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The demo's worker runs in this process: keep its JSON logs out of the progress display.
if (process.argv[2] === 'demo')
  process.env.SLUICE_LOG_FILE ??= new URL('../.sluice/logs/demo.log', import.meta.url).pathname;
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');

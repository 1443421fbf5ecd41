#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so there is no build step between editing and running.
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');

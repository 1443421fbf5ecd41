// For tests of the native engine: it must have been built (scripts/setup.mjs runs cargo), else they fail saying so.
import { engineAvailable, ENGINE_BINARY } from '../../activities/data/engine.js';

export function requireEngine(): void {
  if (!engineAvailable()) throw new Error(`${ENGINE_BINARY} is not built: run node scripts/setup.mjs (needs cargo)`);
}

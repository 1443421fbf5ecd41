// Activity *types* only: the workflow bundle never contains activity code.
import type { createActivities } from '../activities/index.js';

export type SluiceActivities = ReturnType<typeof createActivities>;

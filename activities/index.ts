// Every activity a Sluice worker registers, built from one set of endpoints.
import type { Endpoints } from '../schemas/stack.js';
import { createDataActivities } from './data/activities.js';
import { createDriftActivities } from './drift/activities.js';
import { createJobActivities } from './jobs/run-job.js';
import { LocalScheduler } from './jobs/local.js';
import { createStageJobActivity } from './pipeline/stage-job.js';
import { createRegistryActivities } from './registry/activities.js';
import { createStorage } from './storage/index.js';
import { REPO_ROOT } from '../infra/repo-root.js';

export { REPO_ROOT };

export function createActivities(endpoints: Endpoints, opts: { root?: string } = {}) {
  const root = opts.root ?? REPO_ROOT;
  const storage = createStorage(endpoints.s3);
  const jobs = createJobActivities({
    schedulers: { local: new LocalScheduler({ jobsDir: endpoints.jobsDir }) },
    storage,
    // Short jobs (evaluation, no-op benchmark jobs) should not wait a whole second to be seen finishing.
    pollIntervalMs: 250,
  });
  return {
    ...createRegistryActivities(endpoints),
    ...createDataActivities(endpoints),
    ...createDriftActivities(endpoints, storage),
    ...jobs,
    ...createStageJobActivity({ runJob: jobs.runJob, endpoints, root }),
  };
}

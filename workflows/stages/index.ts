// Stage functions for users' own workflows (see examples/custom-pipeline).
export { validateStage } from './validate.js';
export { trainStage, candidateUri } from './train.js';
export { evaluateStage } from './evaluate.js';
export { evaluateGates, gateStage } from './gate.js';
export { registerStage, promoteStage } from './register.js';
export { runStageJob } from './job.js';
export { experimentName, runPrefix, type StageContext } from './context.js';
export { PipelineTracker, StageRejection, describeError } from '../tracker.js';
export { statusQuery, SA_MODEL, SA_STAGE, SA_OUTCOME } from '../definitions.js';
export { pipelineWorkflowId } from '../ids.js';

// The workflow bundle's entry: every workflow type a Sluice worker serves.
export { retrainPipeline } from './retrain-pipeline.js';

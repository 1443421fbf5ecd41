export * from './duration.js';
export * from './validation.js';
export * from './spec.js';
export * from './pipeline.js';
export * from './jobs.js';
export * from './stack.js';
export * from './registry.js';
export * from './mlflow-wire.js';

import type { PipelineStatus } from '../schemas/pipeline.js';
import type { Endpoints } from '../schemas/stack.js';
import { stageLine } from './progress.js';

export function temporalUiUrl(endpoints: Endpoints, workflowId: string): string | undefined {
  const ui = endpoints.temporal.ui;
  return ui
    ? `${ui}/namespaces/${endpoints.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`
    : undefined;
}

export function mlflowModelUrl(endpoints: Endpoints, model: string, version?: string): string {
  return `${endpoints.mlflow.url}/#/models/${encodeURIComponent(model)}${version ? `/versions/${version}` : ''}`;
}

/** The human summary printed when a pipeline ends: every stage, the outcome and where to look next. */
export function renderSummary(s: PipelineStatus, endpoints: Endpoints): string {
  const out: string[] = [];
  out.push(`Pipeline ${s.workflowId}`);
  for (const st of s.stages) out.push(stageLine(st));
  out.push('');
  const head = { promoted: 'PROMOTED', rejected: 'REJECTED', failed: 'FAILED', running: 'RUNNING' }[s.outcome];
  out.push(`Outcome: ${head}${s.stage && s.outcome !== 'promoted' ? ` at ${s.stage}` : ''}`);
  for (const r of s.reasons) out.push(`  - ${r}`);
  if (s.modelVersion) out.push(`Model:   ${s.model} version ${s.modelVersion}${s.alias ? ` (@${s.alias})` : ''}`);
  const ui = temporalUiUrl(endpoints, s.workflowId);
  if (ui) out.push(`Temporal UI: ${ui}`);
  out.push(`MLflow UI:   ${mlflowModelUrl(endpoints, s.model, s.modelVersion)}`);
  return out.join('\n');
}

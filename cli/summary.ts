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
  const artifacts = artifactLines(s);
  if (artifacts.length) out.push('Artifacts:', ...artifacts);
  const ui = temporalUiUrl(endpoints, s.workflowId);
  if (ui) out.push(`Temporal UI: ${ui}`);
  out.push(`MLflow UI:   ${mlflowModelUrl(endpoints, s.model, s.modelVersion)}`);
  return out.join('\n');
}

/** Stage-detail keys that hold report and log locations, with the label `status` prints for each. */
const ARTIFACT_KEYS: Array<[string, string]> = [
  ['reportUri', 'report'],
  ['profileUris', 'profile'],
  ['trainData', 'training data (copy)'],
  ['driftReportUri', 'drift report'],
  ['driftHtmlUri', 'drift report (HTML)'],
  ['logUri', 'log'],
];

/** One line per report, profile and log any stage recorded, e.g. `  validate drift report (HTML): s3://…/drift.html`. */
export function artifactLines(s: PipelineStatus): string[] {
  const found: Array<[string, string]> = [];
  for (const st of s.stages) {
    for (const [key, label] of ARTIFACT_KEYS) {
      const v = st.details[key];
      if (typeof v === 'string' && v) found.push([`${st.name} ${label}`, v]);
      else if (v && typeof v === 'object')
        for (const [name, uri] of Object.entries(v as Record<string, unknown>))
          if (typeof uri === 'string' && uri) found.push([`${st.name} ${label} (${name})`, uri]);
    }
  }
  const width = Math.max(0, ...found.map(([l]) => l.length));
  return found.map(([label, uri]) => `  ${`${label}:`.padEnd(width + 1)} ${uri}`);
}

import { proxyActivities } from '@temporalio/workflow';
import type { DriftCheck } from '../../schemas/drift.js';
import type { DriftStageResult, DriftSummary } from '../../schemas/drift-summary.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import type { SluiceActivities } from '../activity-types.js';
import { StageRejection } from '../tracker.js';
import { registry, runPrefix, type StageContext } from './context.js';

/** Version tags that remember what a model version was trained on, so later runs can compare against it. */
export const TAG_TRAIN_DATA = 'sluice.train_data';
export const TAG_TRAIN_PROFILE = 'sluice.train_profile';

/** The patch id guarding the drift check's activity calls: histories recorded before it replay unchanged. */
export const DRIFT_PATCH = 'drift-check-v1';

const drift = proxyActivities<SluiceActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['DataNotFound', 'InvalidData', 'InvalidInput'],
  },
});

const fmt = (x: number | undefined): string =>
  x === undefined ? 'n/a' : Math.abs(x) < 1e-4 && x !== 0 ? x.toExponential(3) : String(Number(x.toPrecision(4)));

/** One line per drifted column, e.g. `monthly_spend: wasserstein 2.31 ≥ 0.1`. */
export function driftReasons(s: DriftSummary, championVersion: string, referenceUri: string): string[] {
  const pct = (x: number): string => `${Number((x * 100).toFixed(1))}%`;
  return [
    `training data drifted from champion v${championVersion}'s (${referenceUri}): ${s.driftedColumns.length} of ${s.columnCount} columns (${pct(s.driftShare)} ≥ ${pct(s.driftShareThreshold)})`,
    ...s.drifted.map((c) =>
      c.pValue !== undefined
        ? `${c.name}: ${c.method} p-value ${fmt(c.pValue)} below ${fmt(c.threshold)}`
        : `${c.name}: ${c.method} ${fmt(c.statistic)} ≥ ${fmt(c.threshold)}`,
    ),
    `drift report: ${s.htmlUri} (JSON: ${s.reportUri})`,
  ];
}

/**
 * Skew check: compares this run's training data with the data the promotion alias's champion was trained on
 * (its `sluice.train_data` tag). On dataset drift, `block` rejects the pipeline; `warn` records the result and
 * goes on. Without a champion, or one registered before Sluice recorded training data, there is nothing to
 * compare: the result says so and the stage goes on.
 */
export async function driftStage(spec: PipelineSpec, ctx: StageContext, check: DriftCheck): Promise<DriftStageResult> {
  const alias = spec.promotion.alias;
  const champ = await registry.getAlias({ model: spec.model, alias });
  if (!champ) return { checked: false, action: check.action, note: `no @${alias} model yet: drift check skipped` };
  const referenceUri = champ.tags[TAG_TRAIN_DATA];
  if (!referenceUri)
    return {
      checked: false,
      action: check.action,
      championVersion: champ.version,
      note: `champion v${champ.version} has no ${TAG_TRAIN_DATA} tag (registered without its training data): drift check skipped`,
    };
  const summary = await drift.checkDrift({
    referenceUri,
    currentUri: spec.data.train,
    options: check,
    reportPrefix: runPrefix(ctx),
  });
  const result = { checked: true, action: check.action, championVersion: champ.version, referenceUri, summary };
  if (summary.datasetDrift && check.action === 'block')
    throw new StageRejection(driftReasons(summary, champ.version, referenceUri), driftDetails(result));
  return result;
}

/** The drift check in the validate stage's one-line outcome. */
export function driftOutcome(d: DriftStageResult): string {
  if (!d.checked || !d.summary) return d.note ?? 'drift check skipped';
  const s = d.summary;
  if (!s.datasetDrift)
    return `no drift from champion v${d.championVersion}'s data (${s.driftedColumns.length} of ${s.columnCount} columns drifted)`;
  return `drift from champion v${d.championVersion}'s data in ${s.driftedColumns.join(', ')} (action warn: continuing)`;
}

/** The drift check's facts for the stage details (and so `sluice status`): report locations and drifted columns. */
export function driftDetails(d: DriftStageResult): Record<string, unknown> {
  if (!d.checked || !d.summary)
    return { driftNote: d.note, ...(d.championVersion ? { driftChampionVersion: d.championVersion } : {}) };
  return {
    driftReportUri: d.summary.reportUri,
    driftHtmlUri: d.summary.htmlUri,
    driftedColumns: d.summary.driftedColumns,
    datasetDrift: d.summary.datasetDrift,
    driftShare: d.summary.driftShare,
    driftAction: d.action,
    driftChampionVersion: d.championVersion,
    driftReference: d.referenceUri,
  };
}

import type { EvaluationResult, GateResult } from '../../schemas/pipeline.js';
import type { PipelineSpec } from '../../schemas/spec.js';
import { StageRejection } from '../tracker.js';

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toPrecision(4));

/**
 * Decides whether the candidate may be promoted: every absolute gate, then the champion comparison.
 * Pure and deterministic, so it runs in the workflow itself. A metric the job never logged fails its gate.
 */
export function evaluateGates(spec: PipelineSpec, evaluation: EvaluationResult): GateResult {
  const reasons: string[] = [];
  const checks: string[] = [];
  for (const [metric, gate] of Object.entries(spec.evaluation.gates)) {
    const value = evaluation.metrics[metric];
    if (value === undefined) {
      reasons.push(`metric ${metric} was not logged by the evaluation job (gate evaluation.gates.${metric})`);
      continue;
    }
    if (gate.min !== undefined && value < gate.min)
      reasons.push(`${metric} ${fmt(value)} is below the minimum ${fmt(gate.min)}`);
    else if (gate.max !== undefined && value > gate.max)
      reasons.push(`${metric} ${fmt(value)} is above the maximum ${fmt(gate.max)}`);
    else checks.push(`${metric} ${fmt(value)} within [${gate.min ?? '-∞'}, ${gate.max ?? '∞'}]`);
  }
  const cmp = spec.evaluation.champion;
  if (cmp && evaluation.champion) {
    const cand = evaluation.metrics[cmp.metric];
    const champ = evaluation.champion.metrics[cmp.metric];
    if (cand === undefined || champ === undefined) {
      reasons.push(
        `metric ${cmp.metric} is missing for the ${cand === undefined ? 'candidate' : 'champion'}; cannot compare`,
      );
    } else {
      const better = cmp.direction === 'maximize' ? cand >= champ - cmp.tolerance : cand <= champ + cmp.tolerance;
      const line = `${cmp.metric} ${fmt(cand)} vs champion v${evaluation.champion.version} ${fmt(champ)}`;
      if (better) checks.push(line);
      else reasons.push(`${line}: worse than the champion beyond tolerance ${cmp.tolerance}`);
    }
  } else if (cmp) {
    checks.push('no champion yet: first model for this alias');
  }
  return { passed: reasons.length === 0, reasons, checks };
}

/** The gate stage: rejects the pipeline (alias unmoved, nothing registered) when any gate fails. */
export async function gateStage(spec: PipelineSpec, evaluation: EvaluationResult): Promise<GateResult> {
  const result = evaluateGates(spec, evaluation);
  if (!result.passed) throw new StageRejection(result.reasons);
  return result;
}

// Method choice, default thresholds and drift direction, as Evidently 0.7.23's DataDriftPreset does
// (`_get_default_stattest` in legacy/calculations/stattests/registry.py; facts §1):
//
// | reference rows (cleaned) | column                                    | method        | threshold | drift when |
// | <= 1000                  | numeric, n_unique(ref ∪ cur) > 5          | ks            | 0.05      | p <= t     |
// | <= 1000                  | numeric n_unique 3..5, or categorical > 2 | chisquare     | 0.05      | p < t      |
// | <= 1000                  | n_unique <= 2 (binary)                    | ztest         | 0.05      | p < t      |
// | > 1000                   | numeric, n_unique > 5                     | wasserstein   | 0.1       | score >= t |
// | > 1000                   | numeric n_unique <= 5, or categorical     | jensenshannon | 0.1       | score >= t |
//
// Methods chosen by name keep the same direction; psi and linf (not Evidently defaults) use 0.1, score >= t.
import type { DriftMethod } from '../../schemas/drift.js';

export type ConcreteMethod = Exclude<DriftMethod, 'auto'>;

export const DEFAULT_THRESHOLDS: Record<ConcreteMethod, number> = {
  ks: 0.05,
  chisquare: 0.05,
  ztest: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
  linf: 0.1,
};

/** Methods whose threshold applies to a p-value (the rest compare a distance/score). */
export function isPValueMethod(method: ConcreteMethod): boolean {
  return method === 'ks' || method === 'chisquare' || method === 'ztest';
}

/** Evidently's per-column default test. `numeric` is the column's value type, not the reported kind. */
export function autoMethod(referenceRows: number, uniqueCombined: number, numeric: boolean): ConcreteMethod {
  if (referenceRows <= 1000) {
    if (numeric && uniqueCombined > 5) return 'ks';
    return uniqueCombined > 2 ? 'chisquare' : 'ztest';
  }
  if (numeric && uniqueCombined > 5) return 'wasserstein';
  return 'jensenshannon';
}

/** Evidently's direction: ks p <= t; chisquare and z-test p < t; distances score >= t. */
export function isDrifted(method: ConcreteMethod, value: number, threshold: number): boolean {
  if (method === 'ks') return value <= threshold;
  if (method === 'chisquare' || method === 'ztest') return value < threshold;
  return value >= threshold;
}

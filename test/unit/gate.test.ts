// The gate decision is a pure function of the spec and the evaluation metrics.
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../cli/spec-loader.js';
import { evaluateGates } from '../../workflows/stages/gate.js';

const spec = (evaluation: Record<string, unknown>) =>
  parseSpec({
    model: 'm',
    data: { train: 's3://bkt/t.csv', holdout: 's3://bkt/h.csv' },
    training: { command: ['true'] },
    evaluation: { command: ['true'], ...evaluation },
  });

describe('evaluateGates', () => {
  it('passes when every metric is within its bounds', () => {
    const r = evaluateGates(spec({ gates: { auc: { min: 0.7 }, p99_latency_ms: { max: 50 } } }), {
      runId: 'r',
      logUri: 'l',
      metrics: { auc: 0.8, p99_latency_ms: 12 },
    });
    expect(r).toMatchObject({ passed: true, reasons: [] });
    expect(r.checks).toHaveLength(2);
  });

  it('names the metric, its value and the bound it missed', () => {
    const r = evaluateGates(spec({ gates: { auc: { min: 0.9 }, log_loss: { max: 0.3 } } }), {
      runId: 'r',
      logUri: 'l',
      metrics: { auc: 0.8, log_loss: 0.5 },
    });
    expect(r.reasons).toEqual([
      'auc 0.8000 is below the minimum 0.9000',
      'log_loss 0.5000 is above the maximum 0.3000',
    ]);
  });

  it('fails a gate whose metric the job never logged', () => {
    const r = evaluateGates(spec({ gates: { f1: { min: 0.5 } } }), { runId: 'r', logUri: 'l', metrics: {} });
    expect(r.reasons[0]).toMatch(/metric f1 was not logged/);
  });

  it('compares with the champion in the configured direction and tolerance', () => {
    const s = spec({ champion: { metric: 'log_loss', direction: 'minimize', tolerance: 0.01 } });
    const ev = (cand: number, champ: number) => ({
      runId: 'r',
      logUri: 'l',
      metrics: { log_loss: cand },
      champion: { version: '3', runId: 'c', metrics: { log_loss: champ } },
    });
    expect(evaluateGates(s, ev(0.505, 0.5)).passed).toBe(true);
    expect(evaluateGates(s, ev(0.52, 0.5)).reasons[0]).toMatch(/worse than the champion/);
    expect(evaluateGates(s, { runId: 'r', logUri: 'l', metrics: {} }).checks).toEqual([
      'no champion yet: first model for this alias',
    ]);
  });
});

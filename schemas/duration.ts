import { z } from 'zod';

/** A duration as people write it: `90s`, `15m`, `2h`, `1d`, or a number of milliseconds. */
export const Duration = z
  .union([
    z.number().int().positive(),
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'expected a duration such as "30s", "15m", "2h" or "1d"'),
  ])
  .describe('duration');
export type Duration = z.infer<typeof Duration>;

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a Duration. Pure, so workflows may call it. */
export function durationMs(d: Duration): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`invalid duration: ${d}`);
  return Math.round(Number(m[1]) * (unitMs[m[2] as string] as number));
}

// Drift speed: `sluice drift` against Evidently's DataDriftPreset on the same reference/current files (CSV, JSON
// Lines, Parquet) in the same run, each as a child process measured for wall time, CPU time and peak RSS. Prints JSON;
// bench/README.md explains the fields.
//   node bin/run-ts.js bench/drift/run.ts [--rows 1000000] [--format csv|jsonl|parquet|both|all] [--codec snappy]
//                                         [--sluice-only] [--peer-timeout 480] [--timeout 540]
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  ensureData,
  formatsOf,
  PANDAS_READERS,
  failure,
  log,
  machine,
  measure,
  num,
  parseJson,
  python,
  rate,
  round,
  type Measured,
} from '../lib/measure.js';

const TARGET_SPEEDUP = 20;
const TARGET_RSS_MB = 512;

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    format: { type: 'string', default: 'both' },
    codec: { type: 'string', default: 'snappy' },
    'sluice-only': { type: 'boolean', default: false },
    'peer-timeout': { type: 'string', default: '480' },
    timeout: { type: 'string', default: '540' },
  },
});
const rows = Number(args.rows);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');
const formats = formatsOf(args.format);
const sluiceOnly = args['sluice-only'];
const peerTimeout = Number(args['peer-timeout']);

const manifest = ensureData(rows, args.codec, formats.includes('jsonl'));
// Both files are read in full, so throughput counts the rows of both.
const totalRows = 2 * rows;
const sorted = (xs: unknown): string[] | null =>
  Array.isArray(xs) ? xs.map(String).sort((a, b) => a.localeCompare(b)) : null;
const expected = sorted(manifest.shifted) as string[];

const results = [];
for (const format of formats) {
  const reference = manifest.files.reference[format];
  const current = manifest.files.current[format];
  if (!reference || !current) throw new Error(`bench/data/generate.py wrote no ${format} files`);
  log(`drift ${format}: sluice on ${reference} vs ${current}`);
  // --columns names the 25 features, leaving out the id column (as the peer does through its DataDefinition).
  const s = await measure(
    [
      process.execPath,
      'bin/sluice.js',
      'drift',
      '--reference',
      reference,
      '--current',
      current,
      '--columns',
      manifest.features.join(','),
      '--json',
    ],
    Number(args.timeout),
  );
  const sluice = sluiceResult(s);
  const sluiceSeconds = sluice.seconds;
  let peer: Record<string, unknown> = { name: 'evidently', skipped: 'not run: --sluice-only' };
  let peerDrifted: string[] | null = null;
  let peerStats: Map<string, number> | null = null;
  let speedup: number | null = null;
  let speedupComputeOnly: number | null = null;
  if (!sluiceOnly) {
    log(`drift ${format}: Evidently DataDriftPreset on the same files (timeout ${peerTimeout} s)`);
    const p = await measure(
      [
        python,
        'bench/peers/evidently_drift.py',
        '--reference',
        reference,
        '--current',
        current,
        '--numeric',
        manifest.numeric.join(','),
        '--categorical',
        manifest.categorical.join(','),
      ],
      peerTimeout,
    );
    if (p.timedOut) {
      peer = { name: 'evidently', timedOut: true, timeoutSeconds: peerTimeout };
      // A lower bound: the peer needed at least the whole timeout.
      if (sluiceSeconds) speedup = round(peerTimeout / sluiceSeconds, 2);
    } else {
      const j = parseJson('bench/peers/evidently_drift.py', p);
      const compute = num(j, 'seconds');
      const load = num(j, 'loadSeconds');
      peerDrifted = sorted(j.driftedColumns);
      peerStats = statistics(j.columns);
      peer = {
        name: `evidently ${String(j.version)}: pandas ${PANDAS_READERS[format]} + Report([DataDriftPreset()]).run`,
        seconds: compute,
        loadSeconds: load,
        importSeconds: j.importSeconds,
        processSeconds: p.seconds,
        rowsPerSecond: rate(totalRows, compute + load),
        peakRssMb: p.peakRssMb,
        loadAverage: p.loadAverage,
        selfReportedPeakRssMb: num(j, 'peakRssMb'),
        datasetDrift: j.datasetDrift,
        driftShare: j.driftShare,
        driftedColumns: peerDrifted,
      };
      if (sluiceSeconds) {
        speedup = round((compute + load) / sluiceSeconds, 2);
        speedupComputeOnly = round(compute / sluiceSeconds, 2);
      }
    }
  }
  const same = (a: string[] | null, b: string[] | null): boolean | null =>
    a && b ? a.length === b.length && a.every((x, i) => x === b[i]) : null;
  results.push({
    format,
    files: { reference, current },
    bytes: statSync(reference).size + statSync(current).size,
    sluice,
    peer,
    speedup,
    speedupComputeOnly,
    // Both tools should flag exactly the columns the generator shifted.
    agreement: {
      expectedDrifted: expected,
      sluiceMatchesExpected: same(sluice.driftedColumns ?? null, expected),
      sluiceMatchesPeer: same(sluice.driftedColumns ?? null, peerDrifted),
      // Under `auto` both pick normed Wasserstein or Jensen–Shannon per column, so the statistics should agree.
      maxStatisticDifference: maxDifference(statistics(sluice.columns), peerStats),
    },
  });
}

/** name → statistic from a JSON column list (Sluice's report or the peer's). */
function statistics(columns: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (Array.isArray(columns))
    for (const c of columns as Array<Record<string, unknown>>)
      if (typeof c.name === 'string' && typeof c.statistic === 'number') out.set(c.name, c.statistic);
  return out;
}

function maxDifference(a: Map<string, number>, b: Map<string, number> | null) {
  if (!b) return null;
  let worst = { column: '', absolute: 0, relative: 0 };
  for (const [name, x] of a) {
    const y = b.get(name);
    if (y === undefined) continue;
    const absolute = Math.abs(x - y);
    const relative = absolute / Math.max(Math.abs(y), Number.MIN_VALUE);
    if (absolute >= worst.absolute) worst = { column: name, absolute, relative };
  }
  return worst.column ? worst : null;
}

function sluiceResult(m: Measured) {
  if (m.timedOut) return { error: `timed out after ${args.timeout} s` };
  // 0 = no dataset drift, 3 = dataset drift; both are complete reports. 2 = invalid input.
  if (m.exitCode !== 0 && m.exitCode !== 3) return { error: failure(m) };
  const j = parseJson('sluice drift', m);
  const columns = Array.isArray(j.columns) ? (j.columns as Array<Record<string, unknown>>) : [];
  return {
    seconds: m.seconds,
    cpuSeconds: m.cpuSeconds,
    rowsPerSecond: rate(totalRows, m.seconds),
    rowsPerSecondPerCore: m.cpuSeconds === null ? null : rate(totalRows, m.cpuSeconds),
    peakRssMb: m.peakRssMb,
    peakGroupRssMb: m.peakGroupRssMb,
    loadAverage: m.loadAverage,
    datasetDrift: j.datasetDrift,
    driftShare: j.driftShare,
    driftedColumns: sorted(columns.filter((c) => c.drifted === true).map((c) => c.name)) ?? [],
    columns: columns.map((c) => ({ name: c.name, method: c.method, statistic: c.statistic, drifted: c.drifted })),
    columnErrors: columns
      .filter((c) => typeof c.error === 'string')
      .map((c) => `${String(c.name)}: ${String(c.error)}`),
  };
}

const perFormat = results.map(({ format, sluice, speedup, speedupComputeOnly }) => ({
  format,
  speedup: sluiceOnly ? null : speedup !== null && speedup >= TARGET_SPEEDUP,
  speedupComputeOnly: sluiceOnly ? null : speedupComputeOnly !== null && speedupComputeOnly >= TARGET_SPEEDUP,
  peakRss: sluice.peakGroupRssMb !== undefined && sluice.peakGroupRssMb <= TARGET_RSS_MB,
}));
const report = {
  benchmark: 'drift',
  rows,
  parquetCodec: args.codec,
  columns: manifest.features.length,
  machine: machine(),
  ...(sluiceOnly
    ? { peersSkipped: 'Evidently not run (--sluice-only): at this size it takes too long or runs out of memory' }
    : {}),
  results,
  targets: {
    speedupVsEvidently: TARGET_SPEEDUP,
    peakRssMb: TARGET_RSS_MB,
    perFormat,
    // The RSS bound is the 10M-row target; the speed target is the 1M-row comparison.
    met:
      results.every((r) => r.sluice.seconds !== undefined) &&
      perFormat.every((f) => (sluiceOnly ? f.peakRss : f.speedup === true)),
  },
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

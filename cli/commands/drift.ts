import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DriftMethod, DriftOptions, type DriftReport } from '../../schemas/drift.js';
import type { Endpoints } from '../../schemas/stack.js';
import {
  createStorage,
  NotFoundError,
  parseUri,
  StorageConfigError,
  toUri,
  UriError,
} from '../../activities/storage/index.js';
import { DataFormatError, UnsupportedFormatError } from '../../activities/data/reader.js';
import { fmtNumber, renderDriftHtml } from '../../activities/drift/html.js';
import { driftedOfCompared } from '../../activities/drift/compute.js';
import { DriftInputError, driftUris } from '../../activities/drift/run.js';
import { action, CliError } from '../errors.js';

interface DriftCliOptions {
  reference: string;
  current: string;
  columns?: string;
  method?: string;
  threshold?: string;
  json?: boolean;
  html?: string;
}

/** The report as a table a person reads in a terminal, verdict last. */
export function renderDriftTable(report: DriftReport): string {
  const head = ['column', 'kind', 'method', 'statistic', 'p-value', 'threshold', 'drifted'];
  const rows = report.columns.map((c) => [
    c.name,
    c.kind,
    c.method,
    fmtNumber(c.statistic),
    fmtNumber(c.pValue),
    fmtNumber(c.threshold),
    c.error ? `error: ${c.error}` : c.drifted ? 'YES' : 'no',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (i >= 3 && i <= 5 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const share = `${driftedOfCompared(report)}, share ${fmtNumber(report.driftShare)}`;
  return [
    `reference ${report.rows.reference} rows, current ${report.rows.current} rows`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    report.datasetDrift
      ? `DATASET DRIFT: ${share} ≥ ${report.driftShareThreshold}`
      : `NO DATASET DRIFT: ${share} < ${report.driftShareThreshold}`,
  ].join('\n');
}

/** Parses and checks the options; every problem is invalid input (exit 2) naming the option. */
export function parseDriftOptions(opts: Pick<DriftCliOptions, 'columns' | 'method' | 'threshold'>): DriftOptions {
  const method = opts.method ?? 'auto';
  if (!DriftMethod.safeParse(method).success)
    throw new CliError(`--method '${method}' is not a drift method; use one of ${DriftMethod.options.join(', ')}`, 2);
  let threshold: number | undefined;
  if (opts.threshold !== undefined) {
    threshold = Number(opts.threshold);
    if (opts.threshold.trim() === '' || !Number.isFinite(threshold) || threshold <= 0)
      throw new CliError(`--threshold '${opts.threshold}' must be a positive number, e.g. 0.05 or 0.1`, 2);
  }
  let columns: string[] | undefined;
  if (opts.columns !== undefined) {
    columns = opts.columns.split(',').map((c) => c.trim());
    if (columns.some((c) => c === ''))
      throw new CliError(`--columns '${opts.columns}' has an empty name; give names separated by commas: a,b`, 2);
  }
  const parsed = DriftOptions.safeParse({ method, threshold, columns });
  if (!parsed.success)
    throw new CliError(parsed.error.issues.map((i) => `--${i.path.join('.')} ${i.message}`).join('; '), 2);
  return parsed.data;
}

export function registerDriftCommand(program: Command, getEndpoints: () => Endpoints): void {
  program
    .command('drift')
    .description('compare a dataset with a reference for drift; exit 0 no dataset drift, 3 drift, 2 invalid input')
    .requiredOption('--reference <uri>', 'reference data: s3://bucket/key, file:///absolute/path or a local path')
    .requiredOption('--current <uri>', 'current data to compare with the reference')
    .option('--columns <names>', 'only these columns, comma-separated (default: every column)')
    .option('--method <method>', `${DriftMethod.options.join(' | ')}`, 'auto')
    .option('--threshold <x>', "override the method's threshold (p-value for ks/chisquare/ztest, distance otherwise)")
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write a self-contained HTML report to this file')
    .action(
      action(async (opts: DriftCliOptions) => {
        const options = parseDriftOptions(opts);
        const reference = toUri(opts.reference);
        const current = toUri(opts.current);
        let storage;
        try {
          const s3 =
            parseUri(reference, '--reference').scheme === 's3' || parseUri(current, '--current').scheme === 's3';
          // Only s3:// needs the service endpoints; local files work without a running stack.
          storage = createStorage(s3 ? s3Settings(getEndpoints) : undefined);
        } catch (err) {
          if (err instanceof UriError) throw new CliError(err.message, 2);
          throw err;
        }
        let report: DriftReport;
        try {
          report = await driftUris(storage, reference, current, options);
        } catch (err) {
          if (err instanceof NotFoundError) {
            const which = err.uri === reference ? '--reference' : err.uri === current ? '--current' : 'data';
            throw new CliError(err.describe(`${which} data`), 2);
          }
          if (
            err instanceof DataFormatError ||
            err instanceof DriftInputError ||
            err instanceof UriError ||
            err instanceof UnsupportedFormatError ||
            err instanceof StorageConfigError
          )
            throw new CliError(err.message, 2);
          throw err;
        }
        if (opts.html) {
          const file = resolve(opts.html);
          try {
            await writeFile(file, renderDriftHtml(report, { reference, current }));
          } catch (err) {
            throw new CliError(`cannot write --html ${file}: ${(err as Error).message}`, 2);
          }
        }
        // The per-column plot data is for the HTML report; JSON output keeps to the verdict and statistics.
        const json = { ...report, columns: report.columns.map(({ plot: _plot, ...c }) => c) };
        process.stdout.write(`${opts.json ? JSON.stringify(json) : renderDriftTable(report)}\n`);
        if (opts.html && !opts.json) process.stderr.write(`HTML report: ${resolve(opts.html)}\n`);
        return report.datasetDrift ? 3 : 0;
      }),
    );
}

function s3Settings(getEndpoints: () => Endpoints): Endpoints['s3'] {
  try {
    return getEndpoints().s3;
  } catch (err) {
    throw new CliError(`cannot read s3:// data without the S3 settings: ${(err as Error).message}`, 2);
  }
}

import { access, constants, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Endpoints } from '../../schemas/stack.js';
import type { CheckResult, ValidationReport, ValidationRules } from '../../schemas/validation.js';
import type { Storage } from '../../activities/storage/types.js';
import { NotFoundError, StorageConfigError } from '../../activities/storage/errors.js';
import { FileStorage } from '../../activities/storage/file.js';
import { toUri, UriError, parseUri } from '../../activities/storage/uri.js';
import { validateUri } from '../../activities/data/validate.js';
import { DataFormatError, formatOf, UnsupportedFormatError, type Format } from '../../activities/data/reader.js';
import { action, CliError } from '../errors.js';
import { loadRules, loadSpec } from '../spec-loader.js';

const FORMAT_NAMES: Record<Format, string> = {
  csv: 'CSV',
  'csv.gz': 'gzipped CSV',
  jsonl: 'JSON Lines',
  'jsonl.gz': 'gzipped JSON Lines',
  parquet: 'Parquet',
};

interface ValidateOptions {
  data: string;
  rules?: string;
  spec?: string;
  json?: boolean;
  profile?: string;
}

function examples(c: CheckResult): string {
  return c.examples.length ? ` (examples: ${c.examples.map((e) => String(e)).join(', ')})` : '';
}

/** One line per check, e.g. `✗ age min: 3 of 4000 rows failed (examples: -1, 130)`. */
export function renderReport(report: ValidationReport, rules: ValidationRules, uri: string): string {
  const lines = [`${uri}: ${report.rows} rows`];
  for (const c of report.checks) {
    const mark = c.passed ? '✓' : '✗';
    if (c.check === 'minRows') lines.push(`${mark} minRows: ${report.rows} rows, need at least ${rules.minRows}`);
    else if (c.check === 'missingColumn') lines.push(`${mark} ${c.column}: column missing from the data`);
    else {
      const mostly = c.column !== null ? (rules.columns[c.column]?.mostly ?? 1) : 1;
      const m = mostly < 1 ? `, mostly ${mostly}` : '';
      lines.push(`${mark} ${c.column} ${c.check}: ${c.failed} of ${c.total} rows failed${m}${examples(c)}`);
    }
  }
  const failed = report.checks.filter((c) => !c.passed).length;
  lines.push(
    report.passed
      ? `PASSED: ${report.checks.length} checks`
      : `FAILED: ${failed} of ${report.checks.length} checks failed`,
  );
  return lines.join('\n');
}

export function registerValidateCommand(program: Command, getEndpoints: () => Endpoints): void {
  program
    .command('validate')
    .description(
      'validate a dataset (CSV, JSON Lines or Parquet) against validation rules; exit 0 passed, 3 failed, 2 invalid input',
    )
    .requiredOption('--data <uri>', 'dataset: s3://bucket/key, file:///absolute/path or a local path')
    .option('--rules <file>', 'validation rules (.yaml or .json)')
    .option('--spec <file>', "a pipeline spec; its 'validation' section is used")
    .option('--json', 'print the report as JSON')
    .option(
      '--profile <file>',
      'also write the per-column profile (counts, distinct, min/max/mean/std, quantiles, histogram, top categories) as JSON',
    )
    .action(
      action(async (opts: ValidateOptions) => {
        if (!opts.rules === !opts.spec) throw new CliError('give exactly one of --rules <file> or --spec <file>', 2);
        const profileFile =
          opts.profile === undefined ? undefined : await profileTarget(opts.profile, toUri(opts.data));
        const rules = opts.rules ? await loadRules(opts.rules) : (await loadSpec(opts.spec as string)).validation;
        const uri = toUri(opts.data);
        let storage: Storage;
        try {
          // Only s3:// needs the service endpoints (and the AWS SDK, imported only then: it costs start-up time);
          // local files work without a running stack.
          storage =
            parseUri(uri, '--data').scheme === 's3'
              ? (await import('../../activities/storage/index.js')).createStorage(s3Settings(getEndpoints))
              : new FileStorage();
        } catch (err) {
          if (err instanceof UriError) throw new CliError(err.message, 2);
          throw err;
        }
        let report: ValidationReport;
        try {
          report = await validateUri(storage, uri, rules);
        } catch (err) {
          if (err instanceof DataFormatError) {
            // Malformed data fails validation (exit 3), like any other data problem.
            const out = opts.json
              ? JSON.stringify({ passed: false, rows: 0, checks: [], error: err.message })
              : `✗ ${err.message}\nFAILED: the file is not valid ${FORMAT_NAMES[formatOf(uri)]}`;
            process.stdout.write(`${out}\n`);
            return 3;
          }
          if (err instanceof NotFoundError) throw new CliError(err.describe('data'), 2);
          if (err instanceof UriError || err instanceof UnsupportedFormatError || err instanceof StorageConfigError)
            throw new CliError(err.message, 2);
          throw err;
        }
        process.stdout.write(`${opts.json ? JSON.stringify(report) : renderReport(report, rules, uri)}\n`);
        if (profileFile !== undefined) await writeProfile(storage, uri, profileFile);
        return report.passed ? 0 : 3;
      }),
    );
}

/**
 * Where `--profile` writes, checked before any work: through a symlink to its target; an existing target must be a
 * regular file other than the data itself, and the folder must exist and be writable.
 */
async function profileTarget(file: string, dataUri: string): Promise<string> {
  const fail = (why: string): never => {
    throw new CliError(`cannot write --profile ${resolve(file)}: ${why}`, 2);
  };
  let path = resolve(file);
  const existing = await stat(path).catch(() => null);
  if (existing !== null) {
    if (!existing.isFile()) fail('it exists and is not a regular file (a folder or a device); name a file');
    path = await realpath(path);
    // A --data URI that does not parse is reported later, with the usual message.
    const data = (() => {
      try {
        return parseUri(dataUri, '--data');
      } catch {
        return null;
      }
    })();
    if (data?.scheme === 'file' && (await realpath(data.path).catch(() => null)) === path)
      fail('that is the data file itself; name another file');
  }
  try {
    await access(dirname(path), constants.W_OK);
  } catch (err) {
    fail((err as Error).message);
  }
  return path;
}

/**
 * The dataset's profile (profile.ts, as the pipeline stores for each training set) written to `file` whole: to a
 * temporary name beside it first, so an interrupted run leaves no half-written profile.
 */
async function writeProfile(storage: Storage, uri: string, file: string): Promise<void> {
  const { profileUri } = await import('../../activities/data/profile.js');
  const profile = await profileUri(storage, uri);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(profile, null, 2)}\n`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`cannot write --profile ${file}: ${(err as Error).message}`, 2);
  }
  process.stderr.write(`Profile: ${file}\n`);
}

function s3Settings(getEndpoints: () => Endpoints): Endpoints['s3'] {
  try {
    return getEndpoints().s3;
  } catch (err) {
    throw new CliError(`cannot read s3:// data without the S3 settings: ${(err as Error).message}`, 2);
  }
}

import { pipeline, Transform } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { activityContext } from '../context.js';
import type { Endpoints } from '../../schemas/stack.js';
import type {
  CheckResult,
  ValidateDatasetInput,
  ValidationReportFile,
  ValidationRules,
} from '../../schemas/validation.js';
import type { ValidationSummary } from '../../schemas/pipeline.js';
import {
  createStorage,
  NotFoundError,
  storageFailure,
  UriError,
  type S3Settings,
  type Storage,
} from '../storage/index.js';
import { DataFormatError, formatOf, UnsupportedFormatError } from './reader.js';
import { profileUri } from './profile.js';
import { validateUri } from './validate.js';

export type { ValidateDatasetInput, ValidationReportFile };

/** Where the copy of the training data goes: beside the report, in the source's format (…/data-train.csv.gz). */
export function trainDataUriFor(reportUri: string, sourceUri: string): string {
  return reportUri.replace(/[^/]*$/, `data-train.${formatOf(sourceUri)}`);
}

/** Where a dataset's profile goes: beside the report, e.g. …/validation.json → …/profile-train.json. */
export function profileUriFor(reportUri: string, dataset: string): string {
  return reportUri.replace(/[^/]*$/, `profile-${dataset.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

function fmtExamples(examples: unknown[]): string {
  return examples.length ? ` (examples: ${examples.map((e) => (e === null ? 'null' : String(e))).join(', ')})` : '';
}

/** One line a person can read for a failed check, e.g. `train: age min failed on 3 of 4000 rows (examples: -1, 130)`. */
export function describeFailure(dataset: string, c: CheckResult, rules: ValidationRules, rows: number): string {
  if (c.check === 'minRows') return `${dataset}: has ${rows} rows, fewer than minRows ${rules.minRows}`;
  if (c.check === 'missingColumn') return `${dataset}: column ${c.column} is missing from the data`;
  const mostly = c.column !== null ? (rules.columns[c.column]?.mostly ?? 1) : 1;
  const need = mostly < 1 ? `; mostly ${mostly} allows ${Math.floor(c.total * (1 - mostly) + 1e-9)}` : '';
  const what = c.check === 'nullable' ? 'null check' : c.check;
  return `${dataset}: ${c.column} ${what} failed on ${c.failed} of ${c.total} rows${need}${fmtExamples(c.examples)}`;
}

export function createDataActivities(endpoints: Pick<Endpoints, 's3'> | { s3?: S3Settings }, storage?: Storage) {
  const store = storage ?? createStorage(endpoints.s3);

  async function validateDataset(input: ValidateDatasetInput): Promise<ValidationSummary> {
    const ctx = activityContext();
    const file: ValidationReportFile = { datasets: {} };
    const rows: Record<string, number> = {};
    const failures: string[] = [];
    const profileUris: Record<string, string> = {};
    for (const [name, uri] of Object.entries(input.datasets)) {
      // Rows from earlier datasets, so the heartbeat's progress keeps growing across datasets.
      const done = Object.values(rows).reduce((a, b) => a + b, 0);
      try {
        const report = await validateUri(store, uri, input.rules, {
          signal: ctx?.cancellationSignal,
          onProgress: (n) => ctx?.heartbeat({ dataset: name, rows: done + n }),
        });
        file.datasets[name] = report;
        rows[name] = report.rows;
        for (const c of report.checks) if (!c.passed) failures.push(describeFailure(name, c, input.rules, report.rows));
        // The profile (a second pass) lets later runs and the drift monitor compare against this data.
        const profile = await profileUri(store, uri, {
          signal: ctx?.cancellationSignal,
          onProgress: (n) => ctx?.heartbeat({ dataset: name, profiling: true, rows: done + n }),
        });
        const target = profileUriFor(input.reportUri, name);
        await store.write(target, JSON.stringify(profile, null, 2), { contentType: 'application/json' });
        profileUris[name] = target;
      } catch (err) {
        if (err instanceof NotFoundError)
          throw ApplicationFailure.create({
            message: `dataset ${name} not found at ${uri}; check data.${name} in the pipeline spec`,
            type: 'DataNotFound',
            nonRetryable: true,
            cause: err,
          });
        if (err instanceof DataFormatError) {
          // Malformed data is a validation failure (the pipeline rejects it), not an infrastructure error.
          file.datasets[name] = { passed: false, rows: 0, checks: [] };
          (file.errors ??= {})[name] = err.message;
          rows[name] = 0;
          failures.push(`${name}: ${err.message}`);
          continue;
        }
        if (err instanceof UnsupportedFormatError || err instanceof UriError)
          throw ApplicationFailure.create({
            message: err.message,
            type: 'InvalidInput',
            nonRetryable: true,
            cause: err,
          });
        if (ctx?.cancellationSignal.aborted) throw err;
        throw storageFailure(err);
      }
    }
    const passed = failures.length === 0;
    let trainData: string | undefined;
    try {
      await store.write(input.reportUri, JSON.stringify(file, null, 2), { contentType: 'application/json' });
      // With a drift check, later runs compare with this run's training data: keep it as it is now, since a
      // nightly job may overwrite data.train in place. Only for data that passed: nothing else is registered.
      const train = input.datasets.train;
      if (passed && input.rules.drift && train !== undefined) {
        trainData = trainDataUriFor(input.reportUri, train);
        // Counted on the way (a Transform, not a 'data' listener: that would start the flow before write() has
        // attached, and file storage awaits a mkdir first). pipeline passes a source error on to the writer.
        let bytes = 0;
        const counted = new Transform({
          transform(chunk: Buffer, _enc, done) {
            bytes += chunk.length;
            ctx?.heartbeat({ copying: 'train', bytes });
            done(null, chunk);
          },
        });
        await store.write(
          trainData,
          pipeline(await store.openRead(train), counted, () => undefined),
        );
      }
    } catch (err) {
      throw storageFailure(err);
    }
    ctx?.heartbeat({ rows: Object.values(rows).reduce((a, b) => a + b, 0), done: true });
    return {
      passed,
      rows,
      failures,
      reportUri: input.reportUri,
      profileUris,
      ...(trainData !== undefined ? { trainData } : {}),
    };
  }

  return { validateDataset };
}

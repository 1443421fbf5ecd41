// The checkDrift activity: compares two stored datasets, writes drift.json and drift.html beside the run's other
// reports, and returns only the verdict and the report locations (reports never travel in workflow history).
import { ApplicationFailure } from '@temporalio/common';
import { activityContext } from '../context.js';
import { DriftOptions, type DriftReport } from '../../schemas/drift.js';
import type { DriftActivityInput, DriftSummary } from '../../schemas/drift-summary.js';
import type { Endpoints } from '../../schemas/stack.js';
import { DataFormatError, UnsupportedFormatError } from '../data/reader.js';
import {
  createStorage,
  joinUri,
  NotFoundError,
  storageFailure,
  UriError,
  type S3Settings,
  type Storage,
} from '../storage/index.js';
import { renderDriftHtml } from './html.js';
import { DriftInputError, driftUris } from './run.js';
import { isCompared } from './compute.js';

/** The report reduced to what a workflow needs to decide and to point people at the files. */
export function summarize(report: DriftReport, reportUri: string, htmlUri: string): DriftSummary {
  const drifted = report.columns.filter((c) => c.drifted);
  return {
    datasetDrift: report.datasetDrift,
    driftShare: report.driftShare,
    driftShareThreshold: report.driftShareThreshold,
    // The drift share's denominator: columns left out (dates under auto, errors) are not counted.
    columnCount: report.columns.filter(isCompared).length,
    driftedColumns: drifted.map((c) => c.name),
    drifted: drifted.map((c) => ({
      name: c.name,
      kind: c.kind,
      method: c.method,
      threshold: c.threshold,
      ...(c.statistic !== undefined ? { statistic: c.statistic } : {}),
      ...(c.pValue !== undefined ? { pValue: c.pValue } : {}),
    })),
    rows: report.rows,
    reportUri,
    htmlUri,
  };
}

export function createDriftActivities(endpoints: { s3?: S3Settings } | Pick<Endpoints, 's3'>, storage?: Storage) {
  const store = storage ?? createStorage(endpoints.s3);

  async function checkDrift(input: DriftActivityInput): Promise<DriftSummary> {
    const ctx = activityContext();
    const parsed = DriftOptions.safeParse({
      method: input.options.method,
      threshold: input.options.threshold,
      columns: input.options.columns,
      driftShare: input.options.driftShare,
    });
    if (!parsed.success)
      throw ApplicationFailure.create({
        message: `invalid validation.drift options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        type: 'InvalidInput',
        nonRetryable: true,
      });
    let report: DriftReport;
    try {
      report = await driftUris(
        store,
        input.referenceUri,
        input.currentUri,
        parsed.data,
        (p) => ctx?.heartbeat(p),
        ctx?.cancellationSignal,
      );
    } catch (err) {
      if (err instanceof NotFoundError) {
        const side = err.uri === input.referenceUri ? `reference data (the champion's training data)` : 'current data';
        throw ApplicationFailure.create({
          message: `${side} not found at ${err.uri}`,
          type: 'DataNotFound',
          nonRetryable: true,
          cause: err,
        });
      }
      if (err instanceof DataFormatError)
        throw ApplicationFailure.create({ message: err.message, type: 'InvalidData', nonRetryable: true, cause: err });
      if (err instanceof DriftInputError || err instanceof UnsupportedFormatError || err instanceof UriError)
        throw ApplicationFailure.create({ message: err.message, type: 'InvalidInput', nonRetryable: true, cause: err });
      if (ctx?.cancellationSignal.aborted) throw err;
      throw storageFailure(err);
    }
    const reportUri = joinUri(input.reportPrefix, 'drift.json');
    const htmlUri = joinUri(input.reportPrefix, 'drift.html');
    try {
      await store.write(reportUri, JSON.stringify(report, null, 2), { contentType: 'application/json' });
      const html = renderDriftHtml(report, { reference: input.referenceUri, current: input.currentUri });
      await store.write(htmlUri, html, { contentType: 'text/html; charset=utf-8' });
    } catch (err) {
      throw storageFailure(err);
    }
    ctx?.heartbeat({ phase: 'done' });
    return summarize(report, reportUri, htmlUri);
  }

  return { checkDrift };
}

import { ApplicationFailure } from '@temporalio/common';

/** HTTP statuses worth retrying (facts/mlflow.md §1); 500 is included because SQLite "database is locked" surfaces as INTERNAL_ERROR. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * MLflow's SQL store upserts aliases and tags non-atomically: two concurrent writers make one fail with a 400
 * BAD_REQUEST carrying the database's unique-constraint error. The request itself is fine, so a retry succeeds.
 * (A duplicate create is RESOURCE_ALREADY_EXISTS with the same database text: that one is not retried.)
 */
const WRITE_CONFLICT = /IntegrityError|UNIQUE constraint failed|database is locked/i;

/** A failed MLflow call: HTTP status (0 when no response arrived), MLflow error_code and the endpoint it came from. */
export class MlflowError extends Error {
  override readonly name = 'MlflowError';
  readonly status: number;
  readonly errorCode: string;
  readonly endpoint: string;
  readonly retryable: boolean;

  constructor(opts: {
    status: number;
    errorCode: string;
    message: string;
    endpoint: string;
    retryable?: boolean;
    cause?: unknown;
  }) {
    super(`MLflow ${opts.endpoint} failed (${opts.status || 'no response'} ${opts.errorCode}): ${opts.message}`, {
      cause: opts.cause,
    });
    this.status = opts.status;
    this.errorCode = opts.errorCode;
    this.endpoint = opts.endpoint;
    this.retryable =
      opts.retryable ??
      (opts.status === 0 ||
        RETRYABLE_STATUSES.has(opts.status) ||
        (opts.errorCode === 'BAD_REQUEST' && WRITE_CONFLICT.test(opts.message)));
  }

  get isNotFound(): boolean {
    return this.status === 404 || this.errorCode === 'RESOURCE_DOES_NOT_EXIST';
  }

  get isAlreadyExists(): boolean {
    return this.errorCode === 'RESOURCE_ALREADY_EXISTS' || this.errorCode === 'ALREADY_EXISTS';
  }
}

export function isMlflowError(err: unknown): err is MlflowError {
  return err instanceof MlflowError;
}

/**
 * Rethrows any error as a Temporal ApplicationFailure so the retry policy sees the right class:
 * a bad request (4xx, invalid response) fails the activity at once, an outage (network, 429, 5xx) is retried.
 * ApplicationFailures pass through unchanged.
 */
export function toActivityFailure(err: unknown): never {
  if (err instanceof ApplicationFailure) throw err;
  if (err instanceof MlflowError) {
    throw ApplicationFailure.create({
      message: err.message,
      type: err.retryable ? 'MlflowRetryableError' : 'MlflowError',
      nonRetryable: !err.retryable,
      details: [{ status: err.status, errorCode: err.errorCode, endpoint: err.endpoint }],
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  // Unknown errors stay retryable: the retry policy bounds them, and a transient bug should not lose the stage.
  throw ApplicationFailure.create({
    message,
    type: 'RegistryActivityError',
    nonRetryable: false,
    cause: err instanceof Error ? err : undefined,
  });
}

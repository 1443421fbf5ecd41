// Storage errors as the Temporal failures activities throw; apart from errors.ts so that the CLI, which imports
// the errors, does not load @temporalio/common.
import { ApplicationFailure } from '@temporalio/common';
import { AccessDeniedError, NotFoundError, StorageConfigError, isRetryableStorageError } from './errors.js';
import { UriError } from './uri.js';

/**
 * Converts a storage error into the Temporal failure an activity should throw: permanent problems become
 * non-retryable failures whose type names the problem, transient ones stay retryable.
 */
export function storageFailure(err: unknown): ApplicationFailure {
  const e = err instanceof Error ? err : new Error(String(err));
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof NotFoundError)
    return ApplicationFailure.create({ message: e.message, type: 'NotFound', nonRetryable: true, cause: e });
  if (err instanceof AccessDeniedError)
    return ApplicationFailure.create({ message: e.message, type: 'AccessDenied', nonRetryable: true, cause: e });
  if (err instanceof UriError || err instanceof StorageConfigError)
    return ApplicationFailure.create({ message: e.message, type: 'InvalidInput', nonRetryable: true, cause: e });
  return ApplicationFailure.create({
    message: e.message,
    type: 'StorageError',
    nonRetryable: !isRetryableStorageError(err),
    cause: e,
  });
}

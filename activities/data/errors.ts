/**
 * The data file is malformed (ragged CSV, a bad JSON line, unreadable Parquet). Callers treat it as failed
 * validation, not as an infrastructure error: retrying cannot fix the file.
 */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
}

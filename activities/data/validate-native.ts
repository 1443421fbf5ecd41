// Validation of a CSV or Parquet file (local, or downloaded from S3 to a temp folder) by the native engine (engine.ts
// engineValidate): its counters go into the same Validator that assembles every report, so checks, `mostly` and
// pass/fail are decided in one place.
import type { ValidationReport, ValidationRules } from '../../schemas/validation.js';
import type { EngineFormat } from '../../schemas/engine.js';
import type { Storage } from '../storage/types.js';
import { engineValidate, withLocalCopy } from './engine.js';
import { Validator, type ValidateOptions } from './validate.js';

/** The report for the file at `uri`, or null when the file or the rules need the TypeScript Validator. */
export async function validateNative(
  storage: Storage,
  uri: string,
  format: EngineFormat,
  rules: ValidationRules,
  opts: ValidateOptions,
): Promise<ValidationReport | null> {
  const counts = await withLocalCopy(storage, uri, opts, (path) => engineValidate(path, format, rules, opts));
  if (counts === null) return null;
  const v = new Validator(rules);
  v.begin(counts.header);
  for (const [name, k] of Object.entries(counts.columns)) v.setCounts(name, k);
  v.endBatch(counts.rows);
  return v.finish();
}

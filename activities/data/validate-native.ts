// Validation of a local CSV or Parquet file (an s3:// object is downloaded first, see validateUri) by the native
// engine (engine.ts engineValidate): its counters go into the same Validator that assembles every report, so
// checks, `mostly` and pass/fail are decided in one place.
import type { ValidationReport, ValidationRules } from '../../schemas/validation.js';
import type { EngineFormat } from '../../schemas/engine.js';
import { engineValidate } from './engine.js';
import { Validator, type ValidateOptions } from './validate.js';

/** The report for the file at `path`, or null when the file or the rules need the TypeScript Validator. */
export async function validateNative(
  path: string,
  format: EngineFormat,
  rules: ValidationRules,
  opts: ValidateOptions,
): Promise<ValidationReport | null> {
  const counts = await engineValidate(path, format, rules, opts);
  if (counts === null) return null;
  const v = new Validator(rules);
  v.begin(counts.header);
  for (const [name, k] of Object.entries(counts.columns)) v.setCounts(name, k);
  v.endBatch(counts.rows);
  return v.finish();
}

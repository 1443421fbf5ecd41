// Sluice's validation timed inside its process, as the pandera peer times itself (read + validate, no interpreter
// start-up): prints {"seconds": …, "rows": …, "passed": …, "engineSeconds": …}. Run by bench/validate/run.ts.
// `engineSeconds` is the native engine's part alone (its process, from spawn to counters parsed), best of three:
// the floor under any TypeScript around it.
//   node bin/run-ts.js bench/validate/in-process.ts --data FILE --rules RULES.yaml
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { loadRules } from '../../cli/spec-loader.js';
import { validateUri } from '../../activities/data/validate.js';
import { engineAvailable, engineFormat, engineValidate } from '../../activities/data/engine.js';
import { FileStorage } from '../../activities/storage/file.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, rules: { type: 'string' } } });
if (!values.data || !values.rules) throw new Error('usage: in-process.ts --data FILE --rules RULES.yaml');
const rules = await loadRules(values.rules);
const path = resolve(values.data);
const uri = pathToFileURL(path).href;
const started = performance.now();
const report = await validateUri(new FileStorage(), uri, rules);
const seconds = (performance.now() - started) / 1000;

let engineSeconds: number | null = null;
const format = engineFormat(uri);
if (format && engineAvailable()) {
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    if ((await engineValidate(path, format, rules, {})) === null) break;
    engineSeconds = Math.min(engineSeconds ?? Infinity, (performance.now() - t) / 1000);
  }
}
process.stdout.write(`${JSON.stringify({ seconds, rows: report.rows, passed: report.passed, engineSeconds })}\n`);

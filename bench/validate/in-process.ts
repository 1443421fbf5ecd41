// Sluice's validation timed inside its process, as the pandera peer times itself (read + validate, no interpreter
// start-up): prints {"seconds": …, "rows": …, "passed": …}. Run by bench/validate/run.ts.
//   node bin/run-ts.js bench/validate/in-process.ts --data FILE --rules RULES.yaml
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { loadRules } from '../../cli/spec-loader.js';
import { validateUri } from '../../activities/data/validate.js';
import { FileStorage } from '../../activities/storage/file.js';

const { values } = parseArgs({ options: { data: { type: 'string' }, rules: { type: 'string' } } });
if (!values.data || !values.rules) throw new Error('usage: in-process.ts --data FILE --rules RULES.yaml');
const rules = await loadRules(values.rules);
const uri = pathToFileURL(resolve(values.data)).href;
const started = performance.now();
const report = await validateUri(new FileStorage(), uri, rules);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, rows: report.rows, passed: report.passed })}\n`);

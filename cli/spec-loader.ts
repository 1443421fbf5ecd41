// Loads pipeline specs and validation rules from YAML/JSON and turns every zod problem into one line that names
// the field, e.g. `training.resources.gpus: expected a non-negative integer`.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { PipelineSpec } from '../schemas/spec.js';
import { ValidationRules } from '../schemas/validation.js';
import { parseUri, UriError } from '../activities/storage/uri.js';

/** A spec or rules file that cannot be used; `problems` has one line per problem. */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** `training.command[2]`, `validation.columns["unit price"].type`. */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (typeof k === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k)) out += out ? `.${k}` : k;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out || '(top level)';
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function issueLines(issue: Issue, input: unknown, base: readonly PathKey[] = []): string[] {
  const path = [...base, ...issue.path];
  const at = formatPath(path);
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return [`${at}: required (expected ${issue.expected})`];
      return [`${at}: expected ${issue.expected}, got ${describe(value)}`];
    case 'unrecognized_keys':
      return issue.keys.map((k) => `${formatPath([...path, k])}: unknown field; remove it or check its spelling`);
    case 'invalid_value':
      return [
        `${at}: expected one of ${issue.values.map((x) => JSON.stringify(x)).join(', ')}; got ${describe(value)}`,
      ];
    case 'invalid_format': {
      // Data URIs get the specific reason (scheme, bucket name) rather than the generic pattern message.
      if (typeof value === 'string' && path[0] === 'data') {
        try {
          parseUri(value, formatPath(path));
        } catch (err) {
          if (err instanceof UriError) return [`${at}: ${err.message.replace(` in ${at}`, '')}`];
        }
      }
      return [`${at}: ${issue.message}; got ${describe(value)}`];
    }
    case 'invalid_union': {
      // Prefer what the branch of the right type said ("expected a duration such as …") over "Invalid input".
      const branches = issue.errors.flat();
      const specific = branches.filter((b) => b.code !== 'invalid_type');
      if (specific.length > 0) return [...new Set(specific.flatMap((b) => issueLines(b, input, path)))];
      const expected = [...new Set(branches.map((b) => (b.code === 'invalid_type' ? b.expected : b.code)))];
      return [`${at}: expected ${expected.join(' or ')}, got ${describe(value)}`];
    }
    case 'too_small':
    case 'too_big': {
      // Keep the schema's own wording; rewrite only zod's generic "Too small: expected number to be >=0".
      if (!/^Too (small|big):/.test(issue.message)) return [`${at}: ${issue.message}`];
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const what = issue.origin === 'number' || issue.origin === 'int' ? '' : ` ${issue.origin} length`;
      return [`${at}: must be${what} ${op} ${String(bound)}; got ${describe(value)}`];
    }
    default:
      return [`${at}: ${issue.message}`];
  }
}

/** One line per problem, each starting with the field's path. `input` (the parsed document) improves the messages. */
export function formatZodIssues(err: z.ZodError, source: string, input?: unknown): string {
  const lines = zodProblems(err, input);
  return `${source} is invalid (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

export function zodProblems(err: z.ZodError, input?: unknown): string[] {
  return [...new Set(err.issues.flatMap((i) => issueLines(i, input)))];
}

function check<T extends z.ZodType>(schema: T, obj: unknown, source: string): z.output<T> {
  const r = schema.safeParse(obj);
  if (r.success) return r.data;
  throw new SpecError(formatZodIssues(r.error, source, obj), zodProblems(r.error, obj));
}

/** Validates a spec given as an object (TypeScript authors) and fills in defaults. */
export function parseSpec(obj: unknown, source = 'spec'): PipelineSpec {
  return check(PipelineSpec, obj, source);
}

export function parseRules(obj: unknown, source = 'rules'): ValidationRules {
  // A rules file may also be written as `validation: {...}`, as in a pipeline spec.
  if (obj && typeof obj === 'object' && 'validation' in obj && !('columns' in obj) && !('minRows' in obj))
    return check(ValidationRules, (obj as { validation: unknown }).validation, source);
  return check(ValidationRules, obj, source);
}

async function readDocument(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new SpecError(
      code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot read (${(err as Error).message})`,
    );
  }
  const ext = extname(path).toLowerCase();
  try {
    // YAML is a superset of JSON, but JSON.parse gives exact JSON error positions for .json files.
    return ext === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      throw new SpecError(
        `${path}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`,
      );
    }
    throw new SpecError(`${path}: invalid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

/** Reads a pipeline spec (.yaml, .yml or .json) and validates it; throws SpecError listing every problem. */
export async function loadSpec(path: string): Promise<PipelineSpec> {
  return parseSpec(await readDocument(path), path);
}

/** Reads validation rules (.yaml, .yml or .json); throws SpecError listing every problem. */
export async function loadRules(path: string): Promise<ValidationRules> {
  return parseRules(await readDocument(path), path);
}

// The stack's record file (<stateDir>/stack.json): which processes `startStack` launched, and the endpoints
// clients use. Only this module reads or writes it.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, StackRecord, type ServiceName, type ServiceRecord } from '../../schemas/stack.js';

export { SERVICE_NAMES, type ServiceName, type ServiceRecord, type StackRecord };

export function stackFile(stateDir: string): string {
  return join(stateDir, 'stack.json');
}

/** The record, or undefined when there is none (never started, or stopped). */
export function readStackRecord(stateDir: string): StackRecord | undefined {
  const file = stackFile(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = StackRecord.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(
      `${file} is not a valid stack record (${parsed.error.issues[0]?.message ?? 'invalid'}); stop the processes it names by hand and delete it`,
    );
  }
  return parsed.data;
}

export function writeStackRecord(stateDir: string, record: StackRecord): void {
  mkdirSync(stateDir, { recursive: true });
  const file = stackFile(stateDir);
  // Write-then-rename so a reader never sees half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeStackRecord(stateDir: string): void {
  rmSync(stackFile(stateDir), { force: true });
}

// The stack's record file (<stateDir>/stack.json): which processes `startStack` launched, and the endpoints
// clients use. Only this module reads or writes it.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Endpoints } from '../../schemas/stack.js';

// Kept beside its only reader/writer: it is the on-disk format of this module, not a domain type.
const ServiceRecord = z.object({
  pid: z.number().int(),
  pgid: z.number().int(),
  /** /proc start time of the pid, so a reused pid is never mistaken for ours (Linux only). */
  startTicks: z.string().optional(),
  /** The settings the process was started with; a change means it must be restarted. */
  config: z.string(),
  logFile: z.string(),
});
export type ServiceRecord = z.infer<typeof ServiceRecord>;

export const SERVICE_NAMES = ['s3', 'temporal', 'mlflow'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const StackRecord = z.object({
  version: z.literal(1),
  startedAt: z.string(),
  ports: z.object({ temporal: z.number(), temporalUi: z.number(), mlflow: z.number(), s3: z.number() }),
  bucket: z.string(),
  endpoints: Endpoints,
  services: z.object({
    s3: ServiceRecord.optional(),
    temporal: ServiceRecord.optional(),
    mlflow: ServiceRecord.optional(),
  }),
});
export type StackRecord = z.infer<typeof StackRecord>;

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

import type { PipelineStatus, StageStatus } from '../schemas/pipeline.js';

const ICON: Record<StageStatus['state'], string> = {
  pending: '·',
  running: '▶',
  succeeded: '✓',
  rejected: '✗',
  failed: '!',
  skipped: '-',
};

export function stageDurationMs(s: StageStatus, now = Date.now()): number | undefined {
  if (!s.startedAt) return undefined;
  return (s.endedAt ? Date.parse(s.endedAt) : now) - Date.parse(s.startedAt);
}

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

export function stageLine(s: StageStatus, now = Date.now()): string {
  const dur = fmtDuration(stageDurationMs(s, now)).padStart(9);
  const outcome = s.outcome ?? (s.state === 'running' ? 'running…' : s.state);
  return `  ${ICON[s.state]} ${s.name.padEnd(9)} ${dur}  ${outcome}`;
}

/**
 * Live progress on a terminal (redrawn in place) or one line per stage change elsewhere (CI logs, pipes).
 */
export function createProgressPrinter(out: NodeJS.WriteStream = process.stderr): (s: PipelineStatus) => void {
  if (out.isTTY) {
    let drawn = 0;
    return (s) => {
      const lines = s.stages.map((st) => stageLine(st));
      if (drawn) out.write(`\x1b[${drawn}A`);
      for (const l of lines) out.write(`\x1b[2K${l}\n`);
      drawn = lines.length;
    };
  }
  const seen = new Map<string, string>();
  return (s) => {
    for (const st of s.stages) {
      if (st.state === 'pending' || seen.get(st.name) === st.state) continue;
      seen.set(st.name, st.state);
      out.write(`${stageLine(st)}\n`);
    }
  };
}

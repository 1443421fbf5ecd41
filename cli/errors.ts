/** An error the CLI reports as `error: <message>` with a chosen exit code (2 for invalid input). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wraps a command action: prints the error's message (never a stack for expected errors) and sets the exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (err) {
      const e = err as Error & { exitCode?: number; problems?: string[] };
      const known = err instanceof CliError || e?.name === 'SpecError';
      process.stderr.write(`error: ${known ? e.message : (e?.stack ?? String(err))}\n`);
      process.exitCode = typeof e?.exitCode === 'number' ? e.exitCode : e?.name === 'SpecError' ? 2 : 1;
    }
  };
}

import { pino, type Logger } from 'pino';

/** The one pino logger of a Sluice process. JSON to stderr so stdout stays free for command output. */
export const logger: Logger = pino(
  { level: process.env.SLUICE_LOG_LEVEL ?? 'info', base: { service: 'sluice' } },
  pino.destination({ dest: process.env.SLUICE_LOG_FILE ?? 2, sync: false, mkdir: true }),
);

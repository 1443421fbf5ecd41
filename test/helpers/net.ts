import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** A short random suffix that keeps names of parallel tests apart. */
export const suffix = (): string => randomBytes(4).toString('hex');

/** A local port nobody listens on: bind an ephemeral one, then release it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

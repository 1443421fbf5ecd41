import { Client, Connection } from '@temporalio/client';
import type { Endpoints } from '../schemas/stack.js';

/** A Temporal client for the configured namespace; the caller closes `connection` when done. */
export async function connectClient(endpoints: Endpoints): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: endpoints.temporal.address, connectTimeout: '10s' });
  return { client: new Client({ connection, namespace: endpoints.temporal.namespace }), connection };
}

/** The storage prefix pipelines write reports and logs under. */
export function artifactRoot(endpoints: Endpoints): string {
  return process.env.SLUICE_ARTIFACT_ROOT ?? `s3://${endpoints.s3.bucket}/sluice`;
}

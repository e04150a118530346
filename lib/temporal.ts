// Connecting to Temporal with our data converter; shared by API, worker and tests.
import type { Tracer } from '@opentelemetry/api';
import { Client, Connection } from '@temporalio/client';
// the client part alone: the package's index loads its workflow and worker parts too
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import type { Config } from './config';
import { createDataConverter } from './payload-codec';

/** tracer: starts, updates, signals and queries get a span, and the workflow their context in its headers. */
export async function connectClient(cfg: Pick<Config, 'temporal' | 'crypto'>, tracer?: Tracer): Promise<Client> {
  const connection = await Connection.connect({ address: cfg.temporal.address });
  return new Client({
    connection,
    namespace: cfg.temporal.namespace,
    dataConverter: createDataConverter(cfg.crypto),
    ...(tracer && { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] } }),
  });
}

import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** Connection settings from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* (or a profile). */
export function temporalTarget(): { target: TemporalTarget; options: ReturnType<typeof loadClientConnectConfig> } {
  const options = loadClientConnectConfig();
  return {
    target: {
      address: options.connectionOptions.address ?? 'localhost:7233',
      namespace: options.namespace ?? 'default',
    },
    options,
  };
}

/** The longest a client waits between attempts to reconnect to a server it lost. */
const RECONNECT_BACKOFF_MAX_MS = 1000;

export async function connectClient(connectTimeoutMs = 5000): Promise<{ client: Client; connection: Connection }> {
  const { target, options } = temporalTarget();
  const connection = await Connection.connect({
    ...options.connectionOptions,
    address: target.address,
    connectTimeout: connectTimeoutMs,
    // gRPC's reconnect backoff grows to two minutes: a runner waiting through a server restart would hear of its turn
    // seconds after the server is back, and could lose it. One client, one server: trying each second is cheap.
    channelArgs: { 'grpc.max_reconnect_backoff_ms': RECONNECT_BACKOFF_MAX_MS },
  } as Parameters<typeof Connection.connect>[0]);
  return { connection, client: new Client({ connection, namespace: target.namespace }) };
}

/** The Web UI page of one workflow. TEMPORAL_UI_URL points elsewhere than the embedded server's UI. */
export function webUiLink(namespace: string, workflowId: string): string {
  const base = (process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233').replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

import type { ResultOf } from '../rpc/contract';
import type { ConnectionState, LinkedClient } from '../rpc/linked-client';
import type { Progress } from '../rpc/protocol';
import type { OrchestratorApiContract } from './orchestrator-api';
import { apiKeysApi, type ApiKeysApi } from './secrets-api';
import { costApi, type CostApi } from './cost-api';
import { sourcesApi, type SourcesApi } from './sources-api';
import { scanApi, type ScanApi } from './scan-api';
import { imageryApi, type ImageryApi } from './imagery-api';
import { leadsApi, type LeadsApi } from './leads-api';
import type { HostStatus, ServiceName } from './services';

export type DiagnosticsResult = ResultOf<OrchestratorApiContract, 'diagnostics.run'>;

export interface LongCallOptions {
  /** Lets the caller cancel later with `cancel(requestId)` (AbortSignals cannot cross contextBridge). */
  requestId?: string;
  onProgress?: (progress: Progress) => void;
}

/**
 * The whole API the renderer may use. The Electron preload exposes it as `window.fishmouth`; in a
 * browser against the headless host the WebSocket client builds the identical object. Each entry is
 * a named operation of the orchestrator's contract, never a generic channel.
 */
export interface FishMouthApi extends ApiKeysApi, CostApi, SourcesApi, ScanApi, ImageryApi, LeadsApi {
  readonly transport: 'electron' | 'websocket';
  getStatus(): Promise<HostStatus>;
  onStatus(listener: (status: HostStatus) => void): () => void;
  runDiagnostics(options?: LongCallOptions): Promise<DiagnosticsResult>;
  restartService(name: ServiceName): Promise<{ ok: true }>;
  cancel(requestId: string): void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}

export function createFishMouthApi(
  client: LinkedClient<OrchestratorApiContract>,
  transport: FishMouthApi['transport'],
): FishMouthApi {
  const running = new Map<string, AbortController>();
  const long = async <T>(options: LongCallOptions | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    const id = options?.requestId;
    if (id) running.set(id, controller);
    try {
      return await run(controller.signal);
    } finally {
      if (id) running.delete(id);
    }
  };
  return {
    ...apiKeysApi(client),
    ...costApi(client),
    ...sourcesApi(client),
    ...scanApi(client),
    ...imageryApi(client),
    ...leadsApi(client),
    transport,
    getStatus: () => client.call('status.get', {}),
    onStatus: (listener) => client.on('status.changed', listener),
    runDiagnostics: (options) =>
      long(options, (signal) => client.call('diagnostics.run', {}, { signal, onProgress: options?.onProgress })),
    restartService: (name) => client.call('services.restart', { name }),
    cancel: (requestId) => running.get(requestId)?.abort(),
    onConnection: (listener) => client.onConnection(listener),
  };
}

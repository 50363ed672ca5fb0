import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { WebSocket } from 'ws';
import { orchestratorApiContract, orchestratorStatusContract } from '../core/contracts/orchestrator-api';
import { SERVICE_NAMES, type HostStatus } from '../core/contracts/services';
import { portTransport } from '../core/rpc/node-transports';
import { RpcPeer } from '../core/rpc/peer';
import type { Transport } from '../core/rpc/transport';
import type { HostLike } from './types';

/**
 * A stand-in for `FishMouthHost` in the server's tests: each client gets a real worker_threads
 * MessageChannel with an RPC peer serving the orchestrator's contract on the far end, and the
 * orchestrator can be "restarted" (old ports closed, new ones handed out).
 */
export class FakeHost implements HostLike {
  generation = 1;
  healthy = true;
  private readonly clients = new Set<{ onPort: (port: MessagePort) => void; peer: RpcPeer | null }>();
  private readonly statusListeners = new Set<(s: HostStatus) => void>();
  private diagnosticsStarted: Array<() => void> = [];

  get connectedClients(): number {
    return this.clients.size;
  }

  status(): HostStatus {
    const now = new Date(0).toISOString();
    return {
      app: 'fishmouth',
      version: `gen-${this.generation}`,
      mode: 'headless',
      startedAt: now,
      dataDir: '/tmp/fishmouth-test',
      healthy: this.healthy,
      services: SERVICE_NAMES.map((name, i) => ({
        name,
        state: this.healthy ? 'ready' : 'restarting',
        runtime: 'worker-thread',
        pid: 1000 + i,
        restarts: 0,
        recentCrashes: 0,
        startedAt: now,
        readyAt: now,
        memoryBytes: 12 * 1024 * 1024,
        lastExit: null,
        nextRestartAt: null,
        circuitOpenUntil: null,
      })),
    };
  }

  onStatus(listener: (s: HostStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  connectClient(onPort: (port: MessagePort) => void): () => void {
    const client = { onPort, peer: null as RpcPeer | null };
    this.clients.add(client);
    this.handPort(client);
    return () => {
      this.clients.delete(client);
      client.peer?.close();
    };
  }

  /** Closes every client's orchestrator port and hands each a new one, as after a crash. */
  restartOrchestrator(): void {
    this.stopOrchestrator();
    this.resumeOrchestrator();
  }

  stopOrchestrator(): void {
    for (const client of this.clients) {
      client.peer?.close();
      client.peer = null;
    }
  }

  resumeOrchestrator(): void {
    this.generation += 1;
    for (const client of this.clients) this.handPort(client);
  }

  /** Tells `onStatus` listeners the current status, as the host does on every change. */
  notifyStatus(): void {
    const status = this.status();
    this.statusListeners.forEach((l) => l(status));
  }

  /** Pushes `status.changed` to every connected client. */
  broadcastStatus(): void {
    for (const client of this.clients) client.peer?.emit(orchestratorApiContract, 'status.changed', this.status());
  }

  /** Resolves once a `diagnostics.run` call has reached the orchestrator. */
  whenDiagnosticsStarted(): Promise<void> {
    return new Promise((resolve) => this.diagnosticsStarted.push(resolve));
  }

  private handPort(client: { onPort: (port: MessagePort) => void; peer: RpcPeer | null }): void {
    const { port1, port2 } = new MessageChannel();
    const generation = this.generation;
    client.peer = new RpcPeer(portTransport(port2), { remoteName: 'the browser' }).serve(orchestratorStatusContract, {
      'status.get': () => this.status(),
      'services.restart': () => ({ ok: true as const }),
      // Reports progress, then runs until cancelled or the link closes.
      'diagnostics.run': (_params, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.progress({ stage: `gen-${generation}`, done: 1, total: 6 });
          this.diagnosticsStarted.splice(0).forEach((r) => r());
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    });
    client.onPort(port1);
  }
}

/** What the browser's WebSocket client does: one JSON document per text frame. */
export function webSocketJsonTransport(ws: WebSocket): Transport {
  return {
    send: (message) => ws.send(JSON.stringify(message)),
    onMessage: (handler) => ws.on('message', (data) => handler(JSON.parse(String(data)))),
    onClose: (handler) => ws.on('close', () => handler()),
    close: () => ws.close(),
  };
}

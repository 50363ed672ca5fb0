import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFishMouthApi } from '../src/core/contracts/api';
import { orchestratorApiContract } from '../src/core/contracts/orchestrator-api';
import { SERVICE_NAMES } from '../src/core/contracts/services';
import { FishMouthHost } from '../src/core/host/host';
import { createWorkerThreadAdapter } from '../src/core/host/worker-thread-adapter';
import { LinkedClient } from '../src/core/rpc/linked-client';
import { portTransport } from '../src/core/rpc/node-transports';
import { RpcPeer } from '../src/core/rpc/peer';
import { tempDataDir, waitFor, WORKERS_DIR } from './helpers';

let data: ReturnType<typeof tempDataDir>;
let host: FishMouthHost;

function startHost(supervision = {}) {
  host = new FishMouthHost({
    spawn: createWorkerThreadAdapter(),
    dataDir: data.dir,
    mode: 'headless',
    workersDir: WORKERS_DIR,
    version: '0.0.0-test',
    logLevel: 'warn',
    supervision: { restartBaseMs: 50, restartMaxMs: 500, ...supervision },
  });
  return host.start();
}

/** A renderer-like client: its own port to the orchestrator, re-made after each restart. */
function connectClient() {
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator', waitForLinkMs: 10_000 });
  const ports: unknown[] = [];
  const disconnect = host.connectClient((port) => {
    ports.push(port);
    client.attach(new RpcPeer(portTransport(port), { remoteName: 'the orchestrator' }));
  });
  return { client, api: createFishMouthApi(client, 'websocket'), ports, disconnect };
}

beforeEach(() => {
  data = tempDataDir();
});
afterEach(async () => {
  await host?.stop();
  data.cleanup();
});

describe('host with worker-thread services', () => {
  it('starts all six services, each reaching ready, and reports them', async () => {
    await startHost();
    const status = host.status();
    expect(status.healthy).toBe(true);
    expect(status.services.map((s) => [s.name, s.state, s.runtime])).toEqual(SERVICE_NAMES.map((n) => [n, 'ready', 'worker-thread']));
    const { api } = connectClient();
    const viaOrchestrator = await api.getStatus();
    expect(viaOrchestrator.services.map((s) => s.state)).toEqual(Array(6).fill('ready'));
    // Memory arrives from each service's own health answer.
    await waitFor(() => host.status().services.every((s) => (s.memoryBytes ?? 0) > 0), 'memory figures');
  });

  it('runs diagnostics across every service link, with progress, and can cancel', async () => {
    await startHost();
    const { api } = connectClient();
    const progress: number[] = [];
    const result = await api.runDiagnostics({ onProgress: (p) => progress.push(p.done) });
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.service)).toEqual([...SERVICE_NAMES]);
    expect(progress.at(-1)).toBe(6);

    const cancelled = api.runDiagnostics({
      requestId: 'diag-1',
      onProgress: (p) => {
        if (p.done === 1) api.cancel('diag-1');
      },
    });
    await expect(cancelled).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('restarts a killed service with backoff and re-links it to the orchestrator', async () => {
    await startHost();
    const { api } = connectClient();
    host.supervisor('scraper').current!.kill();
    await waitFor(() => host.status().services.find((s) => s.name === 'scraper')!.state !== 'ready', 'scraper to go down');
    const down = host.status().services.find((s) => s.name === 'scraper')!;
    expect(down.lastExit?.reason).toBe('killed');
    const back = await waitFor(() => {
      const s = host.status().services.find((x) => x.name === 'scraper')!;
      return s.state === 'ready' ? s : null;
    }, 'scraper to be ready again', 5000);
    expect(back.restarts).toBe(1);
    const result = await api.runDiagnostics();
    expect(result.checks.find((c) => c.service === 'scraper')).toMatchObject({ ok: true });
  });

  it('re-links clients after the orchestrator itself restarts', async () => {
    await startHost();
    const { api, ports } = connectClient();
    await api.getStatus();
    host.supervisor('orchestrator').current!.kill();
    await waitFor(() => ports.length === 2, 'a second client port');
    const status = await api.getStatus();
    expect(status.services.find((s) => s.name === 'orchestrator')!.restarts).toBe(1);
    expect((await api.runDiagnostics()).ok).toBe(true);
  });

  it('opens the circuit after repeated crashes, and a manual restart closes it', async () => {
    await startHost({ circuitThreshold: 3, circuitWindowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      await waitFor(() => host.supervisor('enrichment').isReady, 'enrichment ready');
      host.supervisor('enrichment').current!.kill();
      await waitFor(() => !host.supervisor('enrichment').isReady, 'enrichment down');
    }
    const open = await waitFor(() => {
      const s = host.status().services.find((x) => x.name === 'enrichment')!;
      return s.state === 'circuit-open' ? s : null;
    }, 'the circuit to open');
    expect(open.circuitOpenUntil).not.toBeNull();
    expect(host.status().healthy).toBe(false);
    const { api } = connectClient();
    await api.restartService('enrichment');
    await waitFor(() => host.supervisor('enrichment').isReady, 'enrichment after manual restart');
    const closed = host.status().services.find((x) => x.name === 'enrichment')!;
    expect(closed.recentCrashes).toBe(0);
    expect(closed.circuitOpenUntil).toBeNull();
    expect(closed.restarts).toBe(3); // two automatic restarts before the circuit opened, one manual
  });

  it('answers a malformed message from a client with a clear error and keeps serving', async () => {
    await startHost();
    const replies: unknown[] = [];
    let raw: ReturnType<typeof portTransport> | undefined;
    host.connectClient((port) => {
      raw = portTransport(port);
      raw.onMessage((m) => replies.push(m));
    });
    await waitFor(() => raw, 'a client port');
    raw!.send({ t: 'req', id: 'x1', method: 'status.get', params: { unexpected: [1, 2] } });
    raw!.send({ t: 'req', id: 'x2', method: 'services.restart', params: { name: 'no-such-service' } });
    raw!.send({ t: 'req', id: 'x3', method: 'status.get', params: {} });
    await waitFor(() => replies.length >= 3, 'three replies');
    const byId = Object.fromEntries(replies.map((r) => [(r as { id: string }).id, r]));
    expect(byId.x2).toMatchObject({ t: 'err', error: { kind: 'bad-input' } });
    expect(byId.x3).toMatchObject({ t: 'res' });
    // Unknown keys are stripped by the schema, not an error: the call still succeeds.
    expect(byId.x1).toMatchObject({ t: 'res' });
  });

  it('stops every service and leaves none running', async () => {
    await startHost({ stopTimeoutMs: 2000 });
    await host.stop();
    expect(host.status().services.every((s) => s.state === 'stopped')).toBe(true);
    expect(SERVICE_NAMES.every((n) => host.supervisor(n).current === null)).toBe(true);
  });
});

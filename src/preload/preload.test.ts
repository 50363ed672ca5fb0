import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFishMouthApi, type FishMouthApi } from '../core/contracts/api';
import { orchestratorApiContract, orchestratorStatusContract } from '../core/contracts/orchestrator-api';
import { SERVICE_NAMES, type HostStatus } from '../core/contracts/services';
import { portTransport } from '../core/rpc/node-transports';
import { RpcPeer } from '../core/rpc/peer';
import { LinkedClient } from '../core/rpc/linked-client';

/*
 * Runs the real preload against a stand-in for Electron's renderer-side modules. Node's
 * worker_threads MessagePort has the DOM MessagePort surface the preload uses (addEventListener,
 * start, close), so the page's link to a fake orchestrator is a real port.
 */
const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  portListener: null as null | ((event: { ports: unknown[] }) => void),
  invocations: [] as unknown[][],
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
  ipcRenderer: {
    on: (channel: string, listener: (event: { ports: unknown[] }) => void) => {
      if (channel === 'fishmouth:port') electron.portListener = listener;
    },
    invoke: (...args: unknown[]) => {
      electron.invocations.push(args);
      return Promise.resolve({ ok: true });
    },
  },
}));

function hostStatus(version: string): HostStatus {
  return {
    app: 'fishmouth',
    version,
    mode: 'desktop',
    startedAt: new Date(0).toISOString(),
    dataDir: '/tmp/fishmouth',
    healthy: true,
    services: SERVICE_NAMES.map((name) => ({
      name,
      state: 'ready',
      runtime: 'utility-process',
      pid: 100,
      restarts: 0,
      recentCrashes: 0,
      startedAt: null,
      readyAt: null,
      memoryBytes: null,
      lastExit: null,
      nextRestartAt: null,
      circuitOpenUntil: null,
    })),
  };
}

/** A fake orchestrator on one end of a fresh channel; the other end goes to the preload. */
function orchestratorLink(version: string): { peer: RpcPeer; pagePort: MessagePort; orchestratorPort: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  const peer = new RpcPeer(portTransport(port2, 'node'), { remoteName: 'the page' }).serve(orchestratorStatusContract, {
    'status.get': () => hostStatus(version),
    'diagnostics.run': () => ({ checks: [], ok: true }),
    'services.restart': () => ({ ok: true as const }),
  });
  return { peer, pagePort: port1, orchestratorPort: port2 };
}

describe('Electron preload', () => {
  let api: FishMouthApi;
  const open: MessagePort[] = [];
  beforeAll(async () => {
    await import('./index');
    api = electron.exposed.get('fishmouth') as FishMouthApi;
  });
  afterEach(() => {
    open.splice(0).forEach((p) => p.close());
  });

  it('exposes only the typed Fish Mouth API and asks main for a link once, without a payload', () => {
    expect([...electron.exposed.keys()]).toEqual(['fishmouth']);
    expect(api.transport).toBe('electron');
    // Exactly the named operations of FishMouthApi, nothing generic.
    const reference = createFishMouthApi(new LinkedClient(orchestratorApiContract), 'electron');
    expect(Object.keys(api).sort()).toEqual(Object.keys(reference).sort());
    expect(Object.keys(api)).toEqual(expect.arrayContaining(['getStatus', 'runDiagnostics', 'getBudgetStatus', 'listApiKeys']));
    for (const [name, value] of Object.entries(api)) if (name !== 'transport') expect(typeof value).toBe('function');
    expect(Object.keys(api)).not.toContain('invoke');
    expect(Object.keys(api)).not.toContain('send');
    expect(electron.invocations).toEqual([['fishmouth:request-port']]);
  });

  it('reaches the orchestrator over the port main hands over, and again after the orchestrator restarts', async () => {
    const first = orchestratorLink('1.0.0');
    open.push(first.pagePort, first.orchestratorPort);
    electron.portListener!({ ports: [first.pagePort] });
    expect((await api.getStatus()).version).toBe('1.0.0');

    const seen: string[] = [];
    api.onStatus((status) => seen.push(status.version));
    first.peer.emit(orchestratorApiContract, 'status.changed', hostStatus('1.0.1'));
    await vi.waitFor(() => expect(seen).toEqual(['1.0.1']));

    // The orchestrator restarts: its end of the old port goes away and main posts a new port.
    first.orchestratorPort.close();
    const second = orchestratorLink('2.0.0');
    open.push(second.pagePort, second.orchestratorPort);
    electron.portListener!({ ports: [second.pagePort] });
    expect((await api.getStatus()).version).toBe('2.0.0');
    second.peer.emit(orchestratorApiContract, 'status.changed', hostStatus('2.0.1'));
    await vi.waitFor(() => expect(seen).toEqual(['1.0.1', '2.0.1']));
  });

  it('ignores a port message that carries no port', async () => {
    const link = orchestratorLink('3.0.0');
    open.push(link.pagePort, link.orchestratorPort);
    electron.portListener!({ ports: [link.pagePort] });
    electron.portListener!({ ports: [] });
    expect((await api.getStatus()).version).toBe('3.0.0');
  });
});

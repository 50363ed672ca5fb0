import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { FishMouthApi } from '../contracts/api';
import { orchestratorApiContract, orchestratorStatusContract } from '../contracts/orchestrator-api';
import { SERVICE_NAMES, type HostStatus } from '../contracts/services';
import {
  ACCESS_DENIED_MESSAGE,
  browserPortTransport,
  connectWebSocketApi,
  webSocketTransport,
  type WebSocketLinkState,
} from './browser-transports';
import { RpcPeer } from './peer';

function hostStatus(restarts = 0): HostStatus {
  return {
    app: 'fishmouth',
    version: '0.1.0',
    mode: 'headless',
    startedAt: new Date(0).toISOString(),
    dataDir: '/tmp/fishmouth-test',
    healthy: true,
    services: SERVICE_NAMES.map((name, i) => ({
      name,
      state: 'ready' as const,
      runtime: 'worker-thread' as const,
      pid: 4000 + i,
      restarts,
      recentCrashes: 0,
      startedAt: new Date(0).toISOString(),
      readyAt: new Date(0).toISOString(),
      memoryBytes: 40_000_000,
      lastExit: null,
      nextRestartAt: null,
      circuitOpenUntil: null,
    })),
  };
}

/** A stand-in for the headless host: token-checked WebSocket at /api/ws serving the API contract. */
async function startHost(token: string) {
  const wss = new WebSocketServer({ noServer: true });
  const peers = new Set<RpcPeer>();
  const tokenOk = (url = '') => new URL(url, 'http://127.0.0.1').searchParams.get('token') === token;
  const server: Server = createServer((req, res) => {
    res.writeHead(tokenOk(req.url) ? 426 : 401).end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (!tokenOk(req.url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const peer = new RpcPeer(webSocketTransport(ws, { onProtocolError: () => {} }), { remoteName: 'the renderer' });
      peers.add(peer);
      peer.onClose(() => peers.delete(peer));
      peer.serve(orchestratorStatusContract, {
        'status.get': () => hostStatus(),
        'diagnostics.run': async (_params, ctx) => {
          for (let done = 1; done <= SERVICE_NAMES.length; done++) ctx.progress({ done, total: SERVICE_NAMES.length, stage: 'ping' });
          return {
            ok: true,
            checks: SERVICE_NAMES.map((service) => ({ service, ok: true, roundTripMs: 1, message: 'answered' })),
          };
        },
        'services.restart': () => ({ ok: true as const }),
      });
      // Garbage first: the client must drop it and keep the link.
      ws.send('this is not json');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (t: string) => `ws://127.0.0.1:${port}/api/ws?token=${t}`,
    peers,
    dropAllLinks: () => {
      for (const client of wss.clients) client.terminate();
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function nextConnection(api: FishMouthApi, wanted: string): Promise<void> {
  return new Promise((resolve) => {
    let off: (() => void) | undefined;
    let seenOther = false;
    off = api.onConnection((state) => {
      if (state !== wanted) seenOther = true;
      else if (seenOther || wanted !== 'connected') {
        off?.();
        resolve();
      }
    });
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function stopOnCleanup(): AbortSignal {
  const controller = new AbortController();
  cleanups.push(() => controller.abort());
  return controller.signal;
}

describe('browserPortTransport', () => {
  it('carries calls across a MessagePort and reports when the other side closes', async () => {
    const { port1, port2 } = new MessageChannel();
    const server = new RpcPeer(browserPortTransport(port1), { remoteName: 'the renderer' });
    server.serve(orchestratorStatusContract, {
      'status.get': () => hostStatus(3),
      'diagnostics.run': () => ({ ok: true, checks: [] }),
      'services.restart': () => ({ ok: true as const }),
    });
    const client = new RpcPeer(browserPortTransport(port2), { remoteName: 'the orchestrator' });
    const status = await client.client(orchestratorApiContract).call('status.get', {});
    expect(status.services.map((s) => s.restarts)).toEqual([3, 3, 3, 3, 3, 3]);

    const closed = new Promise<void>((resolve) => client.onClose(resolve));
    server.close();
    await closed;
    await expect(client.client(orchestratorApiContract).call('status.get', {})).rejects.toMatchObject({
      kind: 'service-unavailable',
    });
  });
});

describe('connectWebSocketApi', () => {
  it('exposes the API over a WebSocket, with progress, and ignores frames that are not JSON', async () => {
    const host = await startHost('secret');
    cleanups.push(host.close);
    const api = connectWebSocketApi({
      url: host.url('secret'),
      createSocket: (url) => new WebSocket(url),
      signal: stopOnCleanup(),
    });

    const status = await api.getStatus();
    expect(status.services).toHaveLength(6);
    expect(api.transport).toBe('websocket');

    const progress: number[] = [];
    const result = await api.runDiagnostics({ requestId: 'd1', onProgress: (p) => progress.push(p.done) });
    expect(result.ok).toBe(true);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reconnects after the link drops and keeps delivering status events', async () => {
    const host = await startHost('secret');
    cleanups.push(host.close);
    const api = connectWebSocketApi({
      url: host.url('secret'),
      createSocket: (url) => new WebSocket(url),
      backoff: { initialMs: 20, maxMs: 100 },
      signal: stopOnCleanup(),
    });
    await api.getStatus();

    const reconnected = nextConnection(api, 'connected');
    host.dropAllLinks();
    await reconnected;

    const pushed = new Promise<HostStatus>((resolve) => api.onStatus(resolve));
    for (const peer of host.peers) peer.emit(orchestratorApiContract, 'status.changed', hostStatus(1));
    expect((await pushed).services[0]?.restarts).toBe(1);
    expect((await api.getStatus()).app).toBe('fishmouth');
  });

  it('stops retrying and says why when the host refuses the access token', async () => {
    const host = await startHost('secret');
    cleanups.push(host.close);
    const states: WebSocketLinkState[] = [];
    const refused = new Promise<WebSocketLinkState>((resolve) => {
      connectWebSocketApi({
        url: host.url('wrong'),
        createSocket: (url) => new WebSocket(url),
        signal: stopOnCleanup(),
        backoff: { initialMs: 20, maxMs: 100 },
        onState: (state) => {
          states.push(state);
          if (state.kind === 'unauthorized') resolve(state);
        },
      });
    });
    expect(await refused).toEqual({ kind: 'unauthorized', message: ACCESS_DENIED_MESSAGE });
    expect(states.some((s) => s.kind === 'open')).toBe(false);
  });
});

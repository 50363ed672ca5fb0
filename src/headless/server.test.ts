import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { createFishMouthApi, type FishMouthApi } from '../core/contracts/api';
import { orchestratorApiContract } from '../core/contracts/orchestrator-api';
import { hostStatusSchema, type HostStatus } from '../core/contracts/services';
import { LinkedClient } from '../core/rpc/linked-client';
import { RpcPeer } from '../core/rpc/peer';
import { FakeHost, webSocketJsonTransport } from './fake-host.testkit';
import { DEFAULT_RENDERER_CSP, pagePolicyHeader } from '../core/renderer-page';
import { HeadlessServerError, startHeadlessServer, type HeadlessServer, type HeadlessServerOptions } from './server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so that Host, Origin and the path are sent exactly as given. */
function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket; resolves with it once open, or with the HTTP status that refused it. */
function openSocket(url: string, options: ClientOptions = {}): Promise<{ ws: WebSocket } | { refused: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ refused: res.statusCode ?? 0, body }));
    });
    ws.once('error', (error) => reject(error));
  });
}

function wsUrl(server: HeadlessServer, token: string | null = server.token): string {
  return `ws://127.0.0.1:${server.port}/api/ws${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** The browser side: a WebSocket, an RPC peer on JSON frames, and the renderer's API on top. */
async function connectBrowser(server: HeadlessServer): Promise<{ ws: WebSocket; api: FishMouthApi }> {
  const opened = await openSocket(wsUrl(server), { origin: `http://127.0.0.1:${server.port}` });
  if (!('ws' in opened)) throw new Error(`WebSocket refused with ${opened.refused}`);
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator' });
  client.attach(new RpcPeer(webSocketJsonTransport(opened.ws), { remoteName: 'the orchestrator' }));
  return { ws: opened.ws, api: createFishMouthApi(client, 'websocket') };
}

const tmpRoot = mkdtempSync(join(tmpdir(), 'fishmouth-headless-'));
const rendererDir = join(tmpRoot, 'renderer');
const INDEX_HTML = '<!doctype html><title>Fish Mouth</title><div id="root"></div>';

beforeAll(() => {
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("map")');
  writeFileSync(join(rendererDir, 'assets', 'app.css'), 'body{margin:0}');
  writeFileSync(join(rendererDir, 'assets', 'font.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(rendererDir, 'assets', 'sr.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(join(tmpRoot, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(tmpRoot, 'secret.txt'), join(rendererDir, 'assets', 'link.txt'));
});

afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

const open: HeadlessServer[] = [];
async function start(host: FakeHost, extra: Partial<HeadlessServerOptions> = {}): Promise<HeadlessServer> {
  const server = await startHeadlessServer({ host, rendererDir, ...extra });
  open.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('health', () => {
  it('answers /api/health with the host status as JSON, without a token', async () => {
    const server = await start(new FakeHost());
    const reply = await httpGet(server.port, '/api/health');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const status = hostStatusSchema.parse(JSON.parse(reply.body));
    expect(status.services.map((s) => s.state)).toEqual(Array(6).fill('ready'));
    expect(reply.body).not.toContain(server.token);
  });

  it('answers 503, still with the status as JSON, while the host is unhealthy', async () => {
    const host = new FakeHost();
    host.healthy = false;
    const server = await start(host);
    const reply = await httpGet(server.port, '/api/health');
    expect(reply.status).toBe(503);
    expect(hostStatusSchema.parse(JSON.parse(reply.body)).healthy).toBe(false);
  });
});

describe('access token', () => {
  it('refuses other API paths without the token, or with a wrong one', async () => {
    const server = await start(new FakeHost());
    for (const path of ['/api/status', `/api/status?token=${server.token}x`]) {
      const reply = await httpGet(server.port, path);
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.body).error.kind).toBe('unauthorized');
    }
    const authorised = await httpGet(server.port, '/api/status', { Authorization: `Bearer ${server.token}` });
    expect(authorised.status).toBe(404);
  });

  it('refuses the WebSocket without the token, or with a wrong one', async () => {
    const server = await start(new FakeHost());
    expect(await openSocket(wsUrl(server, null))).toMatchObject({ refused: 401 });
    expect(await openSocket(wsUrl(server, 'not-the-token'))).toMatchObject({ refused: 401 });
  });

  it('prints a URL that carries a fresh token each launch', async () => {
    const a = await start(new FakeHost());
    const b = await start(new FakeHost());
    expect(a.url).toBe(`http://127.0.0.1:${a.port}/?token=${a.token}`);
    expect(a.token).not.toBe(b.token);
    expect(a.token.length).toBeGreaterThanOrEqual(43);
  });
});

describe('DNS-rebinding protection', () => {
  it('refuses HTTP requests addressed to another host name', async () => {
    const server = await start(new FakeHost());
    const reply = await httpGet(server.port, '/api/health', { Host: `attacker.example:${server.port}` });
    expect(reply.status).toBe(421);
    expect(JSON.parse(reply.body).error.kind).toBe('forbidden-host');
    expect((await httpGet(server.port, '/', { Host: `attacker.example:${server.port}` })).status).toBe(421);
    expect((await httpGet(server.port, '/api/health', { Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('refuses WebSocket upgrades addressed to another host name', async () => {
    const server = await start(new FakeHost());
    const result = await openSocket(wsUrl(server), { headers: { Host: `attacker.example:${server.port}` } });
    expect(result).toMatchObject({ refused: 421 });
  });

  it('refuses requests and WebSockets from a foreign origin, and accepts its own', async () => {
    const server = await start(new FakeHost());
    const reply = await httpGet(server.port, '/api/health', { Origin: 'http://attacker.example' });
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body).error.kind).toBe('forbidden-origin');
    expect(await openSocket(wsUrl(server), { origin: 'http://attacker.example' })).toMatchObject({ refused: 403 });
    expect(await openSocket(wsUrl(server), { origin: 'null' })).toMatchObject({ refused: 403 });
    const own = await openSocket(wsUrl(server), { origin: `http://localhost:${server.port}` });
    expect('ws' in own).toBe(true);
    if ('ws' in own) own.ws.close();
  });
});

describe('static files', () => {
  it('serves the page with the renderer CSP and no caching', async () => {
    const server = await start(new FakeHost());
    const reply = await httpGet(server.port, '/');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(INDEX_HTML);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['content-security-policy']).toBe(DEFAULT_RENDERER_CSP);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('serves assets with their content types and 404 for missing files', async () => {
    const server = await start(new FakeHost());
    const types: Record<string, string> = {
      '/assets/app.js': 'text/javascript; charset=utf-8',
      '/assets/app.css': 'text/css; charset=utf-8',
      '/assets/font.woff2': 'font/woff2',
      '/assets/sr.wasm': 'application/wasm',
    };
    for (const [path, type] of Object.entries(types)) {
      const reply = await httpGet(server.port, path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers['content-type'], path).toBe(type);
    }
    expect((await httpGet(server.port, '/assets/missing.js')).status).toBe(404);
  });

  it('refuses paths that leave the renderer folder', async () => {
    const server = await start(new FakeHost());
    const attempts = ['/../secret.txt', '/assets/../../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%5c..%5csecret.txt', '/assets/link.txt', '/%00'];
    for (const path of attempts) {
      const reply = await httpGet(server.port, path);
      expect(reply.body, path).not.toContain('TOP SECRET');
      expect([400, 404], path).toContain(reply.status);
    }
  });

  it("sends the page's own CSP as a header, with frame-ancestors added", async () => {
    const withMeta = join(tmpRoot, 'renderer-with-csp');
    mkdirSync(withMeta, { recursive: true });
    const policy = "default-src 'self'; script-src 'self'; connect-src 'self'";
    writeFileSync(join(withMeta, 'index.html'), `<!doctype html><meta\n  http-equiv="Content-Security-Policy"\n  content="${policy}"\n/><title>x</title>`);
    const server = await start(new FakeHost(), { rendererDir: withMeta });
    const reply = await httpGet(server.port, '/');
    expect(reply.headers['content-security-policy']).toBe(`${policy}; frame-ancestors 'none'`);
  });

  it('derives a header from the real renderer page', () => {
    const page = readFileSync(join('src', 'renderer', 'index.html'), 'utf8');
    const meta = /content="(default-src [^"]+)"/.exec(page)?.[1];
    expect(meta).toBeDefined();
    expect(pagePolicyHeader(page)).toBe(`${meta}; frame-ancestors 'none'`);
  });
});

describe('WebSocket bridge', () => {
  it('carries calls, progress and events between the browser and the orchestrator', async () => {
    const host = new FakeHost();
    const server = await start(host);
    const { api } = await connectBrowser(server);

    const status = await api.getStatus();
    expect(status.services).toHaveLength(6);
    expect(status.version).toBe('gen-1');

    const pushed = new Promise<HostStatus>((resolve) => api.onStatus(resolve));
    host.broadcastStatus();
    expect((await pushed).app).toBe('fishmouth');

    const stages: Array<string | undefined> = [];
    const diagnostics = api.runDiagnostics({ requestId: 'diag-1', onProgress: (p) => stages.push(p.stage) });
    await host.whenDiagnosticsStarted();
    await vi.waitFor(() => expect(stages).toEqual(['gen-1']));
    api.cancel('diag-1');
    await expect(diagnostics).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('keeps working after the orchestrator restarts', async () => {
    const host = new FakeHost();
    const server = await start(host);
    const { api } = await connectBrowser(server);
    expect((await api.getStatus()).version).toBe('gen-1');

    host.restartOrchestrator();
    expect((await api.getStatus()).version).toBe('gen-2');
    expect(await api.restartService('scraper')).toEqual({ ok: true });
    expect(host.connectedClients).toBe(1);
  });

  it('fails a running call as service-unavailable when the orchestrator goes away', async () => {
    const host = new FakeHost();
    const server = await start(host);
    const { api } = await connectBrowser(server);
    const diagnostics = api.runDiagnostics();
    await host.whenDiagnosticsStarted();
    host.restartOrchestrator();
    await expect(diagnostics).rejects.toMatchObject({ kind: 'service-unavailable' });
    expect((await api.getStatus()).version).toBe('gen-2');
  });

  it('holds calls made while the orchestrator is down until it is back', async () => {
    const host = new FakeHost();
    const logged: string[] = [];
    const record = (_fields: unknown, message: string) => void logged.push(message);
    const server = await start(host, { logger: { debug: record, info: record, warn: record, error: record } });
    const { api } = await connectBrowser(server);
    host.stopOrchestrator();
    // A call racing the port's close would be lost with the old orchestrator; wait for the bridge to notice.
    await vi.waitFor(() => expect(logged).toContain('orchestrator link closed; waiting for a new one'));
    const call = api.getStatus();
    setTimeout(() => host.resumeOrchestrator(), 20);
    expect((await call).version).toBe('gen-2');
  });

  it('answers service-unavailable when the orchestrator does not come back in time', async () => {
    const host = new FakeHost();
    const server = await start(host, { orchestratorWaitMs: 50 });
    const { api } = await connectBrowser(server);
    host.stopOrchestrator();
    await expect(api.getStatus()).rejects.toMatchObject({ kind: 'service-unavailable' });
  });

  it('releases the orchestrator link when the browser goes away', async () => {
    const host = new FakeHost();
    const server = await start(host);
    const { ws, api } = await connectBrowser(server);
    await api.getStatus();
    expect(host.connectedClients).toBe(1);
    ws.close();
    await vi.waitFor(() => expect(host.connectedClients).toBe(0));
  });

  it('closes a socket that sends something other than JSON text', async () => {
    const server = await start(new FakeHost());
    const a = await openSocket(wsUrl(server));
    if (!('ws' in a)) throw new Error('refused');
    const invalid = closeCode(a.ws);
    a.ws.send('{not json');
    expect(await invalid).toBe(1007);

    const b = await openSocket(wsUrl(server));
    if (!('ws' in b)) throw new Error('refused');
    const binary = closeCode(b.ws);
    b.ws.send(Buffer.from([1, 2, 3]));
    expect(await binary).toBe(1003);
  });

  it('drops a browser that stops answering pings', async () => {
    const host = new FakeHost();
    const server = await start(host, { keepaliveMs: 30 });
    const opened = await openSocket(wsUrl(server), { autoPong: false });
    if (!('ws' in opened)) throw new Error('refused');
    expect(host.connectedClients).toBe(1);
    await closeCode(opened.ws);
    await vi.waitFor(() => expect(host.connectedClients).toBe(0));
  });

  it('says goodbye to connected browsers when the server closes', async () => {
    const host = new FakeHost();
    const server = await startHeadlessServer({ host, rendererDir });
    const { ws } = await connectBrowser(server);
    const code = closeCode(ws);
    await server.close();
    expect(await code).toBe(1001);
    expect(host.connectedClients).toBe(0);
    await expect(httpGet(server.port, '/api/health')).rejects.toThrow();
  });
});

describe('listening', () => {
  let blocker: NetServer | null = null;
  afterEach(() => new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve())));

  it('reports a port that is already in use as such', async () => {
    blocker = createNetServer();
    const port = await new Promise<number>((resolve) => blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port)));
    const failure = await startHeadlessServer({ host: new FakeHost(), rendererDir, port }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HeadlessServerError);
    expect(failure).toMatchObject({ kind: 'port-in-use' });
  });
});

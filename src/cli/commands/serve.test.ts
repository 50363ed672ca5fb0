import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FakeHost } from '../../headless/fake-host.testkit';
import { EXIT } from '../command';
import { testContext, type TestContext } from '../context.testkit';
import type { HostFactory } from '../headless-host';
import { runCli } from '../run';
import { readServeRecord, serveRecordPath } from '../serve-record';
import { makeServeCommand } from './serve';
import { statusCommand } from './status';

/** The fake host with a life cycle, recording what `serve` did to it. */
class LifecycleHost extends FakeHost {
  started = false;
  stopped = false;
  failStart: string | null = null;
  async start(): Promise<void> {
    if (this.failStart) throw new Error(this.failStart);
    this.started = true;
    this.notifyStatus();
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

const root = mkdtempSync(join(tmpdir(), 'fishmouth-serve-'));
const rendererDir = join(root, 'renderer');
mkdirSync(rendererDir);
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Fish Mouth</title>');
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDataDir = () => join(root, `data-${++counter}`);

function factoryFor(host: LifecycleHost): HostFactory {
  return async ({ dataDir }) => {
    const status = host.status.bind(host);
    host.status = () => ({ ...status(), dataDir });
    return { kind: 'ready', host, logger: { debug() {}, info() {}, warn() {}, error() {} }, close: async () => {} };
  };
}

const URL_LINE = /^Open (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)) in a browser$/m;

interface Serving {
  ctx: TestContext;
  exit: Promise<number>;
  url: string;
  port: number;
  token: string;
}

const running: Serving[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    s.ctx.signal('SIGTERM');
    await s.exit;
  }
});

async function serve(host: LifecycleHost, dataDir: string, extra: string[] = []): Promise<Serving> {
  const ctx = testContext({ rendererDir });
  const exit = runCli(['serve', '--port', '0', '--data', dataDir, ...extra], ctx, [makeServeCommand(factoryFor(host))]);
  const outcome = await Promise.race([exit.then((code) => ({ code })), vi.waitFor(() => URL_LINE.exec(ctx.out()) ?? Promise.reject(new Error('no URL yet')), { timeout: 5_000 })]);
  if ('code' in outcome) throw new Error(`serve ended with ${outcome.code}: ${ctx.err()}`);
  const serving = { ctx, exit, url: outcome[1]!, port: Number(outcome[2]), token: outcome[3]! };
  running.push(serving);
  return serving;
}

describe('fishmouth serve', () => {
  it('starts the host, serves it, records itself and stops cleanly on a signal', async () => {
    const host = new LifecycleHost();
    const dataDir = freshDataDir();
    const serving = await serve(host, dataDir);
    expect(host.started).toBe(true);
    expect(serving.ctx.out()).toContain('starting 6 services…');
    expect(serving.ctx.out()).toContain('  orchestrator ready');
    expect(serving.ctx.out()).toMatch(/ready in \d+\.\d s/);

    const health = await fetch(`http://127.0.0.1:${serving.port}/api/health`);
    expect(health.status).toBe(200);

    const record = readServeRecord(dataDir);
    expect(record).toMatchObject({ kind: 'found', record: { pid: process.pid, port: serving.port, token: serving.token, url: `http://127.0.0.1:${serving.port}/` } });
    if (process.platform !== 'win32') expect(statSync(serveRecordPath(dataDir)).mode & 0o777).toBe(0o600);

    const status = testContext();
    expect(await runCli(['status', '--json', '--data', dataDir], status, [statusCommand])).toBe(EXIT.ok);
    expect(JSON.parse(status.out())).toMatchObject({ running: true, healthy: true });

    running.splice(running.indexOf(serving), 1);
    serving.ctx.signal('SIGINT');
    expect(await serving.exit).toBe(EXIT.ok);
    expect(serving.ctx.out()).toMatch(/stopped\n$/);
    expect(host.stopped).toBe(true);
    expect(readServeRecord(dataDir).kind).toBe('none');
    await expect(fetch(`http://127.0.0.1:${serving.port}/api/health`)).rejects.toThrow();
  });

  it('refuses a port in use with exit 2, before starting any service', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const host = new LifecycleHost();
      const ctx = testContext({ rendererDir });
      const code = await runCli(['serve', '--port', String(port), '--data', freshDataDir()], ctx, [makeServeCommand(factoryFor(host))]);
      expect(code).toBe(EXIT.usage);
      expect(ctx.err()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(host.started).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses to start a second host on the same data folder', async () => {
    const dataDir = freshDataDir();
    const first = await serve(new LifecycleHost(), dataDir);
    // Pretend the record belongs to another process, as it would for a real second `serve`.
    const record = readServeRecord(dataDir);
    if (record.kind !== 'found') throw new Error('no record');
    writeFileSync(serveRecordPath(dataDir), JSON.stringify({ ...record.record, pid: process.pid + 1 }));

    const second = new LifecycleHost();
    const ctx = testContext({ rendererDir });
    expect(await runCli(['serve', '--port', '0', '--data', dataDir], ctx, [makeServeCommand(factoryFor(second))])).toBe(EXIT.failure);
    expect(ctx.err()).toContain(`Fish Mouth is already running on data folder ${dataDir}`);
    expect(second.started).toBe(false);
    expect(first.ctx.err()).toBe('');
  });

  it('reports a host that cannot start, stops it, and exits 1', async () => {
    const host = new LifecycleHost();
    host.failStart = 'Services did not become ready within 60 s: scraper (restarting)';
    const ctx = testContext({ rendererDir });
    const code = await runCli(['serve', '--port', '0', '--data', freshDataDir()], ctx, [makeServeCommand(factoryFor(host))]);
    expect(code).toBe(EXIT.failure);
    expect(ctx.err()).toContain('Fish Mouth could not start: Services did not become ready');
    expect(host.stopped).toBe(true);
    expect(ctx.out()).not.toContain('Open http');
  });

  it('warns when listening beyond this machine', async () => {
    const serving = await serve(new LifecycleHost(), freshDataDir(), ['--host', '0.0.0.0']);
    expect(serving.ctx.err()).toContain('Warning: listening on 0.0.0.0 makes Fish Mouth reachable from other machines');
  });

  it('says the app is not built when the renderer is missing', async () => {
    const ctx = testContext({ rendererDir: join(root, 'nowhere') });
    expect(await runCli(['serve', '--port', '0', '--data', freshDataDir()], ctx, [makeServeCommand(factoryFor(new LifecycleHost()))])).toBe(EXIT.failure);
    expect(ctx.err()).toContain('Fish Mouth is not built yet: run `npm run build`');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeHost } from '../../headless/fake-host.testkit';
import { startHeadlessServer, type HeadlessServer } from '../../headless/server';
import { EXIT } from '../command';
import { testContext } from '../context.testkit';
import { runCli } from '../run';
import { writeServeRecord } from '../serve-record';

const root = mkdtempSync(join(tmpdir(), 'fishmouth-status-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDataDir = () => join(root, `data-${++counter}`);

const servers: HeadlessServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A headless server on a fake host, recorded in serve.json as `fishmouth serve` would. */
async function runningHost(dataDir: string, host = new FakeHost()): Promise<HeadlessServer> {
  const server = await startHeadlessServer({ host, rendererDir: root });
  servers.push(server);
  // The fake reports a fixed folder; make it this one, as the real host would.
  const status = host.status.bind(host);
  host.status = () => ({ ...status(), dataDir });
  writeServeRecord({
    app: 'fishmouth',
    pid: process.pid,
    port: server.port,
    bindAddress: server.bindAddress,
    url: server.baseUrl,
    token: server.token,
    dataDir,
    version: 'gen-1',
    startedAt: new Date().toISOString(),
  });
  return server;
}

describe('fishmouth status', () => {
  it('prints the service table of the running host', async () => {
    const dataDir = freshDataDir();
    await runningHost(dataDir);
    const ctx = testContext();
    expect(await runCli(['status', '--data', dataDir], ctx)).toBe(EXIT.ok);
    const out = ctx.out();
    expect(out).toContain('all services ready');
    expect(out).toMatch(/SERVICE\s+STATE\s+RESTARTS\s+MEMORY MB\s+PID/);
    expect(out).toMatch(/Orchestrator\s+ready\s+0\s+12\.0\s+1000/);
    expect(out.split('\n').filter((line) => /^\S.*\sready\s/.test(line))).toHaveLength(6);
  });

  it('prints one JSON document with --json', async () => {
    const dataDir = freshDataDir();
    await runningHost(dataDir);
    const ctx = testContext();
    expect(await runCli(['status', '--json', '--data', dataDir], ctx)).toBe(EXIT.ok);
    const doc = JSON.parse(ctx.out());
    expect(doc.running).toBe(true);
    expect(doc.healthy).toBe(true);
    expect(doc.services).toHaveLength(6);
    expect(ctx.err()).toBe('');
  });

  it('finds the data folder through FISHMOUTH_DATA', async () => {
    const dataDir = freshDataDir();
    await runningHost(dataDir);
    const ctx = testContext({ env: { FISHMOUTH_DATA: dataDir } });
    expect(await runCli(['status', '--json'], ctx)).toBe(EXIT.ok);
    expect(JSON.parse(ctx.out()).dataDir).toBe(dataDir);
  });

  it('asks a given port directly with --port', async () => {
    const server = await runningHost(freshDataDir());
    const ctx = testContext();
    expect(await runCli(['status', '--json', '--port', String(server.port), '--data', freshDataDir()], ctx)).toBe(EXIT.ok);
    expect(JSON.parse(ctx.out()).running).toBe(true);
  });

  it('exits 1 and still prints the table when a service is not ready', async () => {
    const dataDir = freshDataDir();
    const host = new FakeHost();
    host.healthy = false;
    await runningHost(dataDir, host);
    const ctx = testContext();
    expect(await runCli(['status', '--data', dataDir], ctx)).toBe(EXIT.failure);
    expect(ctx.out()).toContain('NOT healthy');
    expect(ctx.out()).toMatch(/Scraper\s+restarting/);
  });

  it('says Fish Mouth is not running when no host was started on the folder', async () => {
    const dataDir = freshDataDir();
    const ctx = testContext();
    expect(await runCli(['status', '--data', dataDir], ctx)).toBe(EXIT.failure);
    expect(ctx.err()).toContain(`Fish Mouth is not running (no headless host found for data folder ${dataDir})`);
    expect(ctx.out()).toBe('');

    const json = testContext();
    expect(await runCli(['status', '--json', '--data', dataDir], json)).toBe(EXIT.failure);
    expect(JSON.parse(json.out())).toMatchObject({ running: false, dataDir });
  });

  it('says Fish Mouth is not running when the recorded host has gone', async () => {
    const dataDir = freshDataDir();
    const server = await runningHost(dataDir);
    await server.close();
    const ctx = testContext();
    expect(await runCli(['status', '--json', '--data', dataDir], ctx)).toBe(EXIT.failure);
    expect(JSON.parse(ctx.out())).toMatchObject({ running: false });
  });
});

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createFishMouthApi } from '../core/contracts/api';
import { orchestratorApiContract } from '../core/contracts/orchestrator-api';
import { hostStatusSchema } from '../core/contracts/services';
import { LinkedClient } from '../core/rpc/linked-client';
import { RpcPeer } from '../core/rpc/peer';
import { webSocketJsonTransport } from '../headless/fake-host.testkit';

const run = promisify(execFile);
const BIN = resolve('bin/fishmouth.js');
const URL_LINE = /^Open (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[\w-]+) in a browser$/m;

/** Resolves with the first match of `pattern` in the child's stdout, or rejects when it exits first. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        child.stdout!.off('data', onData);
        resolvePromise(match);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`fishmouth serve exited with ${code} before printing its URL.\nstdout:\n${out}\nstderr:\n${err}`)));
  });
}

/** Processes whose command line mentions `text` (Linux /proc; elsewhere none can be found). */
function processesMentioning(text: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

// Runs the build's output: `npm test` builds first. Without a build it fails saying so.
describe('the built fishmouth command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fishmouth-cli-'));
  let child: ChildProcess | null = null;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints its help', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    expect(stdout).toContain('serve');
    expect(stdout).toContain('status');
  });

  it('serves six ready services, agrees with `status --json`, and stops on SIGTERM leaving nothing behind', async () => {
    child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dataDir, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [, url, port] = await waitForOutput(child, URL_LINE);
    expect(url).toBeDefined();

    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    const status = hostStatusSchema.parse(await health.json());
    expect(status.services.map((s) => [s.name, s.state])).toEqual([
      ['orchestrator', 'ready'],
      ['scraper', 'ready'],
      ['enrichment', 'ready'],
      ['image-processor', 'ready'],
      ['ml-inference', 'ready'],
      ['lead-generator', 'ready'],
    ]);

    const cli = await run(process.execPath, [BIN, 'status', '--json', '--data', dataDir]);
    const reported = JSON.parse(cli.stdout);
    expect(reported.running).toBe(true);
    expect(reported.dataDir).toBe(status.dataDir);
    expect(reported.services.map((s: { name: string; state: string }) => [s.name, s.state])).toEqual(status.services.map((s) => [s.name, s.state]));

    // The browser's path: WebSocket with the token, the real orchestrator behind the bridge.
    const ws = new WebSocket(url!.replace('http://', 'ws://').replace('/?token=', '/api/ws?token='), { origin: `http://127.0.0.1:${port}` });
    await new Promise((resolveOpen, reject) => ws.once('open', resolveOpen).once('error', reject));
    const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator' });
    client.attach(new RpcPeer(webSocketJsonTransport(ws), { remoteName: 'the orchestrator' }));
    const api = createFishMouthApi(client, 'websocket');
    expect((await api.getStatus()).healthy).toBe(true);
    const diagnostics = await api.runDiagnostics();
    expect(diagnostics.checks.map((c) => [c.service, c.ok])).toEqual(status.services.map((s) => [s.name, true]));
    // After the orchestrator restarts, the same socket reaches the new one.
    const before = status.services[0]!.startedAt;
    await api.restartService('orchestrator');
    const orchestratorStart = () =>
      api.getStatus().then(
        (s) => (s.services[0]!.state === 'ready' ? s.services[0]!.startedAt : null),
        () => null,
      );
    await expect.poll(async () => [null, before].includes(await orchestratorStart()), { timeout: 15_000 }).toBe(false);
    expect((await api.runDiagnostics()).ok).toBe(true);
    ws.close();

    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped\n$/);
    expect(existsSync(join(dataDir, 'serve.json'))).toBe(false);
    expect(processesMentioning(dataDir)).toEqual([]);

    const after = await run(process.execPath, [BIN, 'status', '--json', '--data', dataDir]).catch((e: { code: number; stdout: string }) => e);
    expect(after).toMatchObject({ code: 1 });
    expect(JSON.parse((after as { stdout: string }).stdout).running).toBe(false);
  });
});

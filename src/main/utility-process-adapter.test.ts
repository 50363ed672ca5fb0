import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExitInfo } from '../core/host/spawn';
import { createUtilityProcessAdapter, type UtilityChild, type UtilityProcessRuntime } from './utility-process-adapter';

/** Stands in for Electron's UtilityProcess: an emitter with piped stdout/stderr. */
class FakeUtilityProcess extends EventEmitter {
  pid: number | undefined = undefined;
  stdout = new PassThrough();
  stderr = new PassThrough();
  posted: Array<{ message: unknown; transfer: unknown[] | undefined }> = [];
  killCalls = 0;
  exitOnKill = true;
  postMessage(message: unknown, transfer?: unknown[]) {
    this.posted.push({ message, transfer });
  }
  kill() {
    this.killCalls += 1;
    if (this.exitOnKill) setImmediate(() => this.emit('exit', 15));
    return true;
  }
  start(pid: number) {
    this.pid = pid;
    this.emit('spawn');
  }
  crash(code: number, stderr: string) {
    this.stderr.write(stderr);
    this.emit('exit', code);
    setImmediate(() => this.stderr.end());
  }
}

function setup(options: { killGraceMs?: number } = {}) {
  const children: FakeUtilityProcess[] = [];
  const forks: Array<{ modulePath: string; options: Record<string, unknown> }> = [];
  const lines: Array<{ level: string; details: Record<string, unknown>; message: string }> = [];
  const runtime: UtilityProcessRuntime = {
    fork(modulePath, _args, forkOptions) {
      const child = new FakeUtilityProcess();
      children.push(child);
      forks.push({ modulePath, options: forkOptions as Record<string, unknown> });
      return child as unknown as UtilityChild;
    },
    createChannel: () => [{ side: 'a' }, { side: 'b' }] as never,
  };
  const adapter = createUtilityProcessAdapter(runtime, {
    log: {
      info: (details, message) => lines.push({ level: 'info', details, message }),
      warn: (details, message) => lines.push({ level: 'warn', details, message }),
    },
    parentEnv: { PATH: '/usr/bin', NODE_OPTIONS: '--inspect' },
    killGraceMs: options.killGraceMs ?? 5000,
  });
  return { adapter, children, forks, lines };
}

const nextExit = (handle: { onExit(h: (info: ExitInfo) => void): void }) => new Promise<ExitInfo>((resolve) => handle.onExit(resolve));

describe('utility process adapter', () => {
  it('forks the service entry with piped output, a service name and a sanitised environment', () => {
    const { adapter, forks } = setup();
    expect(adapter.kind).toBe('utility-process');
    adapter.spawn({ service: 'scraper', entryFile: '/app/out/main/workers/scraper.js', env: { FISHMOUTH_SERVICE: 'scraper' } });
    expect(forks[0]).toEqual({
      modulePath: '/app/out/main/workers/scraper.js',
      options: { serviceName: 'Fish Mouth scraper', stdio: 'pipe', env: { PATH: '/usr/bin', FISHMOUTH_SERVICE: 'scraper' } },
    });
  });

  it('passes messages and ports both ways and reports the pid once spawned', () => {
    const { adapter, children } = setup();
    const handle = adapter.spawn({ service: 'enrichment', entryFile: 'e.js', env: {} });
    const child = children[0]!;
    expect(handle.pid).toBeNull();
    child.start(4242);
    expect(handle.pid).toBe(4242);

    const [port] = adapter.createChannel();
    handle.send({ t: 'init' });
    handle.send({ t: 'port' }, [port]);
    expect(child.posted).toEqual([
      { message: { t: 'init' }, transfer: [] },
      { message: { t: 'port' }, transfer: [port] },
    ]);

    const received: unknown[] = [];
    handle.onMessage((message, ports) => received.push({ message, ports }));
    child.emit('message', { t: 'ready' });
    expect(received).toEqual([{ message: { t: 'ready' }, ports: [] }]);
  });

  it('reports a crash once, with the last lines the service printed', async () => {
    const { adapter, children, lines } = setup();
    const handle = adapter.spawn({ service: 'ml-inference', entryFile: 'm.js', env: {} });
    const child = children[0]!;
    child.start(7);
    const exits: ExitInfo[] = [];
    handle.onExit((info) => exits.push(info));
    const exit = nextExit(handle);
    child.stdout.write('loading model\n');
    child.crash(1, 'Error: ONNX session failed\n    at load (model.js:10)\n');
    child.emit('exit', 1);
    const info = await exit;
    expect(info.code).toBe(1);
    expect(info.reason).toMatch(/^exited with code 1; last output: Error: ONNX session failed\n {4}at load/);
    expect(exits).toHaveLength(1);
    expect(lines).toContainEqual({ level: 'info', details: { service: 'ml-inference', pid: 7, stream: 'stdout' }, message: 'loading model' });
    expect(lines).toContainEqual({ level: 'warn', details: { service: 'ml-inference', pid: 7, stream: 'stderr' }, message: 'Error: ONNX session failed' });

    // Late subscribers still learn how it ended; sends after the end go nowhere.
    expect(await nextExit(handle)).toEqual(info);
    handle.send({ t: 'late' });
    expect(child.posted).toEqual([]);
  });

  it('says "killed" when the host ended it, and kills only once', async () => {
    const { adapter, children } = setup();
    const handle = adapter.spawn({ service: 'lead-generator', entryFile: 'l.js', env: {} });
    const child = children[0]!;
    child.start(9);
    const exit = nextExit(handle);
    handle.kill();
    handle.kill();
    expect(await exit).toEqual({ code: 15, reason: 'killed' });
    handle.kill();
    expect(child.killCalls).toBe(1);
  });

  it('still reports the end of a killed process that never emits exit', async () => {
    const { adapter, children } = setup({ killGraceMs: 20 });
    const handle = adapter.spawn({ service: 'image-processor', entryFile: 'i.js', env: {} });
    children[0]!.exitOnKill = false;
    const exit = nextExit(handle);
    handle.kill();
    expect(await exit).toEqual({ code: null, reason: 'killed' });
  });

  it('names a fatal V8 error in the exit reason', async () => {
    const { adapter, children } = setup();
    const handle = adapter.spawn({ service: 'orchestrator', entryFile: 'o.js', env: {} });
    const child = children[0]!;
    const exit = nextExit(handle);
    child.emit('error', 'FatalError', 'v8::ToLocalChecked Empty MaybeLocal', '{}');
    child.stderr.end();
    child.emit('exit', 134);
    expect((await exit).reason).toBe('fatal error: FatalError at v8::ToLocalChecked Empty MaybeLocal');
  });
});

import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeLogger, createLogger, nullLogger } from './log';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fm-log-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function logFiles(): string[] {
  return readdirSync(join(dataDir, 'logs')).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(join(dataDir, 'logs', file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('writes JSON lines to <dataDir>/logs/<name>.<n>.log with time, level and name', async () => {
    const log = await createLogger({ dataDir, name: 'orchestrator', level: 'debug' });
    log.info({ runId: 'r1' }, 'run started');
    const child = log.child({ stage: 'imagery' });
    child.debug('fetching');
    log.trace('below the level');
    await log.flushAndClose();
    expect(logFiles()).toEqual(['orchestrator.1.log']);
    const lines = readLines('orchestrator.1.log');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, name: 'orchestrator', runId: 'r1', msg: 'run started', pid: process.pid });
    expect(typeof lines[0]!.time).toBe('string');
    expect(lines[1]).toMatchObject({ level: 20, stage: 'imagery', msg: 'fetching' });
  });

  it('never writes keys, tokens or passwords to the file', async () => {
    const log = await createLogger({ dataDir, name: 'scraper' });
    log.info({ apiKey: 'AIza-secret-1', source: { name: 'google', token: 'tok-secret-2' }, request: { headers: { authorization: 'Bearer secret-3' } } }, 'calling source');
    log.warn({ settings: { password: 'secret-4', postgresUrl: 'postgres://u:secret-5@h/db' } }, 'settings saved');
    await log.flushAndClose();
    const text = readFileSync(join(dataDir, 'logs', logFiles()[0]!), 'utf8');
    for (const secret of ['secret-1', 'secret-2', 'secret-3', 'secret-4', 'secret-5']) expect(text).not.toContain(secret);
    expect(readLines(logFiles()[0]!)[0]).toMatchObject({ apiKey: '[redacted]', source: { name: 'google', token: '[redacted]' } });
  });

  it('starts a new file past 10 MB and keeps the old one', async () => {
    const log = await createLogger({ dataDir, name: 'image-processor' });
    const padding = 'x'.repeat(1000);
    for (let i = 0; i < 11_000; i++) {
      log.info({ i, padding }, 'tile');
      // Rotation happens between turns of the event loop, as it would in a running service.
      if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.flushAndClose();
    const files = logFiles();
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(statSync(join(dataDir, 'logs', files[0]!)).size).toBeGreaterThanOrEqual(10 * 1024 * 1024);
    const total = files.reduce((n, f) => n + readLines(f).length, 0);
    expect(total).toBe(11_000);
  });

  it('refuses a name that could escape the logs folder', async () => {
    await expect(createLogger({ dataDir, name: '../evil' })).rejects.toThrow(/log name/);
  });

  it('has a silent logger for tests, which closing leaves alone', async () => {
    expect(() => nullLogger.error({ apiKey: 'x' }, 'nothing happens')).not.toThrow();
    expect(nullLogger.isLevelEnabled('fatal')).toBe(false);
    await nullLogger.flushAndClose();
    expect(process.stdout.writable).toBe(true);
  });

  it('continues numbering after a restart instead of overwriting', async () => {
    const first = await createLogger({ dataDir, name: 'enrichment' });
    first.info('before restart');
    await first.flushAndClose();
    const second = await createLogger({ dataDir, name: 'enrichment' });
    second.info('after restart');
    await closeLogger(second);
    const lines = logFiles().flatMap(readLines);
    expect(lines.map((l) => l.msg)).toEqual(['before restart', 'after restart']);
  });
});

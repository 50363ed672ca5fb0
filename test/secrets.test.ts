import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFishMouthApi } from '../src/core/contracts/api';
import { orchestratorApiContract } from '../src/core/contracts/orchestrator-api';
import { FishMouthHost } from '../src/core/host/host';
import { createWorkerThreadAdapter } from '../src/core/host/worker-thread-adapter';
import { LinkedClient } from '../src/core/rpc/linked-client';
import { portTransport } from '../src/core/rpc/node-transports';
import { RpcPeer } from '../src/core/rpc/peer';
import { MasterKey, unlockHeadlessSecrets, type SecretsUnlock } from '../src/core/secrets';
import { listAudit, openDatabase } from '../src/core/store';
import { tempDataDir, waitFor, WORKERS_DIR } from './helpers';

const BIN = resolve('bin/fishmouth.js');
const GOOGLE = 'AIzaSyD-integration-not-a-real-key-WXYZ';
const MAPBOX = 'pk.eyJ1IjoiaW50ZWdyYXRpb24ifQ.not-a-real-token-9876';

let data: ReturnType<typeof tempDataDir>;
let host: FishMouthHost | null = null;

async function startHost(secrets: SecretsUnlock | undefined) {
  host = new FishMouthHost({
    spawn: createWorkerThreadAdapter(),
    dataDir: data.dir,
    mode: 'headless',
    workersDir: WORKERS_DIR,
    version: '0.0.0-test',
    // The most talkative level: if anything logged the init message or a value, it would show.
    logLevel: 'trace',
    supervision: { restartBaseMs: 50, restartMaxMs: 500 },
    secrets,
  });
  await host.start();
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator', waitForLinkMs: 10_000 });
  const ports: unknown[] = [];
  host.connectClient((port) => {
    ports.push(port);
    client.attach(new RpcPeer(portTransport(port), { remoteName: 'the orchestrator' }));
  });
  return { api: createFishMouthApi(client, 'websocket'), ports };
}

/** Every file under the data folder but the key file itself, as text (binary bytes included). */
function everythingStoredBesideTheKey(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry !== 'master.key') texts.push(readFileSync(path).toString('latin1'));
    }
  };
  walk(data.dir);
  return texts.join('\n');
}

function logText(): string {
  const folder = join(data.dir, 'logs');
  return readdirSync(folder).map((file) => readFileSync(join(folder, file), 'utf8')).join('\n');
}

/** Runs the built `fishmouth` with `input` on standard input. */
function fishmouth(args: string[], input = '', env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolveRun({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

beforeEach(() => {
  data = tempDataDir('fishmouth-secrets-');
});
afterEach(async () => {
  await host?.stop();
  host = null;
  data.cleanup();
});

describe('API keys through the real host', () => {
  it('saves a key over the API that a service decrypts with the key from its init message; nothing leaks', async () => {
    const key = MasterKey.generate();
    const { api, ports } = await startHost({ kind: 'unlocked', key });

    const saved = await api.saveApiKey({ name: 'google-static-maps.api-key', value: `${GOOGLE}\n`, rotateAfterDays: 28 });
    expect(saved).toMatchObject({ name: 'google-static-maps.api-key', hint: '••••WXYZ', rotateAfterDays: 28, rotationDue: false });
    await api.saveApiKey({ name: 'mapbox.access-token', value: MAPBOX });

    const list = await api.listApiKeys();
    // The hints come from values the orchestrator service decrypted itself.
    expect(list).toMatchObject({ unlocked: true, lockedReason: null });
    expect(list.keys.map((k) => [k.name, k.hint, k.problem])).toEqual([
      ['google-static-maps.api-key', '••••WXYZ', null],
      ['mapbox.access-token', '••••9876', null],
    ]);
    const answered = JSON.stringify([saved, list]);
    for (const secret of [GOOGLE, MAPBOX, GOOGLE.slice(0, 12), MAPBOX.slice(0, 12)]) expect(answered).not.toContain(secret);

    // A restarted service gets the key again in its new init message.
    host!.supervisor('orchestrator').current!.kill();
    await waitFor(() => ports.length === 2, 'a link to the restarted orchestrator');
    expect((await api.listApiKeys()).keys.map((k) => k.hint)).toEqual(['••••WXYZ', '••••9876']);

    await expect(api.saveApiKey({ name: 'mapbox.access-token', value: 'line-one\nline-two' })).rejects.toMatchObject({
      kind: 'bad-input',
      message: expect.stringMatching(/contains a line break/),
    });
    expect(await api.deleteApiKey('mapbox.access-token')).toEqual({ deleted: true });
    await host!.stop();

    const db = openDatabase(data.dir);
    try {
      expect(listAudit(db).map((a) => [a.actor, a.action, a.details.name]).reverse()).toEqual([
        ['settings', 'api key set', 'google-static-maps.api-key'],
        ['settings', 'api key set', 'mapbox.access-token'],
        ['settings', 'api key deleted', 'mapbox.access-token'],
      ]);
    } finally {
      db.close();
    }
    expect(logText()).toMatch(/api key saved/);
    // Neither the master key nor any value is in a log, the database or anything else on disk.
    const stored = everythingStoredBesideTheKey();
    for (const secret of [key.toBase64(), key.toBase64().slice(0, 20), key.material().toString('hex'), GOOGLE, MAPBOX, GOOGLE.slice(0, 12), MAPBOX.slice(0, 12)]) {
      expect(stored).not.toContain(secret);
    }
  });

  it('without a master key: lists names with the reason and refuses to save', async () => {
    const { api } = await startHost({ kind: 'locked', reason: 'no desktop keyring (GNOME Keyring or KWallet) is running' });
    expect(await api.listApiKeys()).toEqual({ unlocked: false, lockedReason: 'no desktop keyring (GNOME Keyring or KWallet) is running', keys: [] });
    await expect(api.saveApiKey({ name: 'census.api-key', value: 'census-key-123456' })).rejects.toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/Cannot save the key census\.api-key: no desktop keyring.*never stores keys unencrypted/),
    });
  });

  it('a key set with the built `fishmouth keys` is read by a headless host on the same folder', async () => {
    const set = await fishmouth(['keys', 'set', 'socrata.app-token', '--data', data.dir], 'socrata-token-abcdefgh\n');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    const listed = await fishmouth(['keys', 'list', '--json', '--data', data.dir]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).keys).toMatchObject([{ name: 'socrata.app-token', hint: '••••efgh', problem: null }]);
    expect(set.stdout + listed.stdout).not.toContain('socrata-token');

    // The same unlock `fishmouth serve` performs: master.key, made by the CLI above.
    const unlock = unlockHeadlessSecrets(data.dir, {});
    expect(unlock).toMatchObject({ kind: 'ready', source: 'key-file', created: false });
    const { api } = await startHost(unlock.kind === 'ready' ? unlock.unlock : undefined);
    expect((await api.listApiKeys()).keys).toMatchObject([{ name: 'socrata.app-token', hint: '••••efgh', problem: null }]);
  });
});

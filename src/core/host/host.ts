import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { serviceControlContract, type InitMessage } from '../contracts/control';
import { SERVICE_NAMES, type HostStatus, type ServiceName } from '../contracts/services';
import type { Logger } from '../log';
import { createLogger } from '../log';
import { openDatabase, runMigrations } from '../store';
import { BlobStore } from '../blob-store';
import { unlockToInit, type SecretsUnlock } from '../secrets/master-key';
import type { RpcPeer } from '../rpc/peer';
import { RpcError } from '../rpc/protocol';
import type { RawPort, SpawnAdapter } from './spawn';
import { DEFAULT_SUPERVISION, ServiceSupervisor, type SupervisionPolicy } from './supervisor';

export interface HostOptions {
  spawn: SpawnAdapter;
  dataDir: string;
  mode: 'desktop' | 'headless';
  /** The folder holding `workers/<service>.js` (the build's out/main). */
  workersDir: string;
  version: string;
  logLevel?: InitMessage['logLevel'];
  supervision?: Partial<SupervisionPolicy>;
  /** How long `start()` waits for all six services. */
  startTimeoutMs?: number;
  /** The master key for API keys, handed to each service in its init message (never logged). */
  secrets?: SecretsUnlock;
}

/**
 * Service-to-service ports beside the orchestrator's: [caller, callee].
 * Note: the image-processor sends every roof crop to ml-inference for super-resolution; through
 * the orchestrator each crop would cross twice and queue behind the renderer's calls.
 */
export const DIRECT_LINKS: ReadonlyArray<readonly [ServiceName, ServiceName]> = [
  ['image-processor', 'ml-inference'],
  ['lead-generator', 'ml-inference'],
];

interface ClientLink {
  id: string;
  onPort: (port: RawPort) => void;
}

/**
 * Starts, wires and supervises the six services. Written once; the spawn adapter decides whether
 * they are Electron utility processes or worker threads. Topology: each client (renderer) has its
 * own port to the orchestrator, and the orchestrator has one port to each other service; besides,
 * the services in DIRECT_LINKS have a port of their own (a caller → the service it calls). Links
 * are re-made whenever either end restarts.
 */
export class FishMouthHost {
  private readonly supervisors = new Map<ServiceName, ServiceSupervisor>();
  private readonly clients = new Map<string, ClientLink>();
  private readonly listeners = new Set<(status: HostStatus) => void>();
  private readonly startedAt = new Date();
  private log: Logger | null = null;
  private notifyScheduled = false;
  private stopped = false;

  constructor(private readonly options: HostOptions) {
    const policy = { ...DEFAULT_SUPERVISION, ...options.supervision };
    const secrets = unlockToInit(options.secrets ?? { kind: 'locked', reason: 'the host was started without a master key' });
    const init = { dataDir: options.dataDir, mode: options.mode, logLevel: options.logLevel ?? 'info', version: options.version, secrets } as const;
    for (const name of SERVICE_NAMES) {
      const entry = join(options.workersDir, 'workers', `${name}.js`);
      this.supervisors.set(
        name,
        new ServiceSupervisor(
          name,
          options.spawn,
          entry,
          init,
          policy,
          {
            onReady: (service) => this.wire(service),
            onDown: () => this.scheduleNotify(),
            onChange: () => this.scheduleNotify(),
            log: (level, message, details) => this.log?.[level](details ?? {}, message),
          },
          name === 'orchestrator'
            ? {
                'host.status': () => this.status(),
                'host.restartService': async ({ name: target }) => {
                  if (target === 'orchestrator') {
                    // The orchestrator cannot await its own restart; answer first.
                    setTimeout(() => void this.restartService(target), 50);
                  } else {
                    await this.restartService(target);
                  }
                  return { ok: true as const };
                },
              }
            : null,
        ),
      );
    }
  }

  /** Migrates the store once, then starts all six services and waits until they are ready. */
  async start(): Promise<void> {
    // Only this user may read the database, keys and logs.
    mkdirSync(this.options.dataDir, { recursive: true, mode: 0o700 });
    this.log = await createLogger({ dataDir: this.options.dataDir, name: 'host', level: this.options.logLevel ?? 'info' });
    const db = openDatabase(this.options.dataDir);
    try {
      const migrated = runMigrations(db);
      this.log.info({ migrated }, 'store ready');
      // Temp files from image writes a killed process left behind.
      const removed = await new BlobStore({ db, dataDir: this.options.dataDir }).removeStaleTemp();
      if (removed) this.log.info({ removed }, 'removed stale temporary image files');
    } finally {
      db.close();
    }
    for (const supervisor of this.supervisors.values()) supervisor.start();
    await this.waitUntilReady(this.options.startTimeoutMs ?? 60_000);
    this.log.info({ mode: this.options.mode, runtime: this.options.spawn.kind }, 'all services ready');
  }

  status(): HostStatus {
    const services = [...this.supervisors.values()].map((s) => s.status());
    return {
      app: 'fishmouth',
      version: this.options.version,
      mode: this.options.mode,
      startedAt: this.startedAt.toISOString(),
      dataDir: this.options.dataDir,
      healthy: services.every((s) => s.state === 'ready'),
      services,
    };
  }

  onStatus(listener: (status: HostStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connectClient(onPort: (port: RawPort) => void): () => void {
    const link: ClientLink = { id: `client-${randomUUID()}`, onPort };
    this.clients.set(link.id, link);
    this.linkClient(link);
    return () => {
      this.clients.delete(link.id);
    };
  }

  async restartService(name: ServiceName): Promise<void> {
    const supervisor = this.supervisors.get(name);
    if (!supervisor) throw new RpcError('bad-input', `There is no service called ${name}.`);
    this.log?.info({ service: name }, 'manual restart');
    await supervisor.restart();
  }

  /** The supervisor of one service (tests use it to kill a service the hard way). */
  supervisor(name: ServiceName): ServiceSupervisor {
    return this.supervisors.get(name)!;
  }

  /** Stops every service (gracefully, then by force after the stop timeout). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clients.clear();
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()));
    this.log?.info('all services stopped');
    await this.log?.flushAndClose?.();
  }

  waitUntilReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if ([...this.supervisors.values()].every((s) => s.isReady)) {
          clearTimeout(timer);
          unsubscribe();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        unsubscribe();
        const waiting = [...this.supervisors.values()].filter((s) => !s.isReady).map((s) => `${s.name} (${s.status().state}${s.status().lastExit ? `: ${s.status().lastExit!.reason}` : ''})`);
        reject(new Error(`Services did not become ready within ${timeoutMs / 1000} s: ${waiting.join(', ')}`));
      }, timeoutMs);
      const unsubscribe = this.onStatus(check);
      check();
    });
  }

  /** A service became ready: give it and the orchestrator a fresh link to each other. */
  private wire(name: ServiceName): void {
    const orchestrator = this.supervisors.get('orchestrator')!;
    if (name === 'orchestrator') {
      for (const service of SERVICE_NAMES) {
        if (service !== 'orchestrator' && this.supervisors.get(service)!.isReady) this.linkService(service);
      }
      for (const client of this.clients.values()) this.linkClient(client);
      this.pushStatusTo(orchestrator.controlPeer);
    } else if (orchestrator.isReady) {
      this.linkService(name);
    }
    for (const [caller, callee] of DIRECT_LINKS) {
      if ((caller === name || callee === name) && this.supervisors.get(caller)!.isReady && this.supervisors.get(callee)!.isReady) this.linkDirect(caller, callee);
    }
    this.scheduleNotify();
  }

  private linkDirect(caller: ServiceName, callee: ServiceName): void {
    const [toCaller, toCallee] = this.options.spawn.createChannel();
    if (!this.supervisors.get(callee)!.handOff({ t: 'port', role: 'client', peer: caller }, toCallee)) return;
    this.supervisors.get(caller)!.handOff({ t: 'port', role: 'service', peer: callee }, toCaller);
  }

  private linkService(name: ServiceName): void {
    const [toService, toOrchestrator] = this.options.spawn.createChannel();
    const service = this.supervisors.get(name)!;
    const orchestrator = this.supervisors.get('orchestrator')!;
    if (!service.handOff({ t: 'port', role: 'client', peer: 'orchestrator' }, toService)) return;
    orchestrator.handOff({ t: 'port', role: 'service', peer: name }, toOrchestrator);
  }

  private linkClient(client: ClientLink): void {
    const orchestrator = this.supervisors.get('orchestrator')!;
    if (!orchestrator.isReady) return;
    const [toOrchestrator, toClient] = this.options.spawn.createChannel();
    if (orchestrator.handOff({ t: 'port', role: 'client', peer: client.id }, toOrchestrator)) client.onPort(toClient);
  }

  private pushStatusTo(peer: RpcPeer | null): void {
    if (!peer || peer.isClosed) return;
    try {
      peer.emit(serviceControlContract, 'control.hostStatus', this.status());
    } catch (error) {
      this.log?.warn({ err: error }, 'could not push status to the orchestrator');
    }
  }

  /** Coalesces bursts of changes into one notification per tick. */
  private scheduleNotify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      const status = this.status();
      for (const listener of this.listeners) listener(status);
      const orchestrator = this.supervisors.get('orchestrator')!;
      if (orchestrator.isReady) this.pushStatusTo(orchestrator.controlPeer);
    });
  }
}

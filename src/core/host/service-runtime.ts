import { isMainThread, parentPort as workerParentPort, threadId } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import type Database from 'better-sqlite3';
import { baseServiceContract } from '../contracts/service';
import { hostControlContract, initMessageSchema, portMessageSchema, serviceControlContract, type InitMessage } from '../contracts/control';
import type { HostStatus, ServiceName } from '../contracts/services';
import { SERVICE_NAMES } from '../contracts/services';
import type { Contract, EventName, EventOf } from '../rpc/contract';
import { LinkedClient } from '../rpc/linked-client';
import { portTransport } from '../rpc/node-transports';
import { RpcPeer, type Handlers } from '../rpc/peer';
import { createLogger, type Logger } from '../log';
import { openDatabase, SCHEMA_VERSION } from '../store';
import { openSecretVault, serviceSecrets, unlockFromInit, type ServiceSecrets } from '../secrets';
import { isRpcEnvelope, rpcTransportOver, workerWrapperSchema, type MessageSink } from './parent-channel';
import type { RawPort } from './spawn';

/** What a service's code gets from the runtime; it never learns which adapter started it. */
export interface ServiceContext {
  name: ServiceName;
  dataDir: string;
  mode: InitMessage['mode'];
  version: string;
  db: Database.Database;
  log: Logger;
  startedAt: Date;
  /** Links to the other services (the orchestrator holds one per service). */
  service(name: ServiceName): LinkedClient<typeof baseServiceContract>;
  /** The same link, typed by the service's own contract (e.g. scraperContract), for its feature methods. */
  serviceLink<C extends Contract>(name: ServiceName, contract: C): LinkedClient<C>;
  /** Pushes an event of this service's contract to every connected client. */
  broadcast<C extends Contract, E extends EventName<C>>(contract: C, topic: E, payload: EventOf<C, E>): void;
  /** The supervisor's table, pushed by the host (orchestrator only; others never receive it). */
  onHostStatus(listener: (status: HostStatus) => void): () => void;
  /** Calls the host (orchestrator only). */
  host: LinkedClient<typeof hostControlContract>;
  /** API keys for keyed sources: `get(name)` decrypts on demand (src/core/secrets). */
  secrets: ServiceSecrets;
}

export interface ServiceDefinition<C extends Contract> {
  name: ServiceName;
  contract: C;
  setup(ctx: ServiceContext): Promise<Handlers<C>> | Handlers<C>;
  /** Called before the process exits on a graceful stop. */
  shutdown?(): Promise<void> | void;
}

function connectToParent(): MessageSink {
  const electronParent = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronParent) {
    return {
      send: (message) => electronParent.postMessage(message),
      onMessage: (handler) => electronParent.on('message', (event) => handler(event.data, event.ports ?? [])),
    };
  }
  if (!isMainThread && workerParentPort) {
    const port = workerParentPort;
    return {
      send: (message) => port.postMessage({ msg: message }),
      onMessage: (handler) =>
        port.on('message', (value: unknown) => {
          const wrapped = workerWrapperSchema.safeParse(value);
          if (wrapped.success) handler(wrapped.data.msg, wrapped.data.ports ?? []);
        }),
    };
  }
  throw new Error('A Fish Mouth service must be started by the host (no parent channel found).');
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown; ports?: RawPort[] }) => void): void;
}

/**
 * Runs a service: waits for the host's `init`, opens the service's own database connection and
 * log, serves its contract on every client port it is handed, and answers health and shutdown.
 */
export function runService<C extends Contract>(definition: ServiceDefinition<C>): void {
  const parent = connectToParent();
  const control = rpcTransportOver(parent);
  const controlPeer = new RpcPeer(control, { remoteName: 'the host' });
  const startedAt = new Date();
  const services = new Map<ServiceName, LinkedClient<typeof baseServiceContract>>();
  for (const name of SERVICE_NAMES) {
    services.set(name, new LinkedClient(baseServiceContract, { remoteName: `the ${name} service`, waitForLinkMs: 3000 }));
  }
  // Typed clients over the same links (ctx.serviceLink), re-attached whenever a service's link is re-made.
  const servicePeers = new Map<ServiceName, RpcPeer>();
  const typedLinks = new Map<ServiceName, Map<Contract, LinkedClient<Contract>>>();
  const clients = new Set<RpcPeer>();
  const hostStatusListeners = new Set<(status: HostStatus) => void>();
  const host = new LinkedClient(hostControlContract, { remoteName: 'the host' });
  host.attach(controlPeer);
  controlPeer.on(serviceControlContract, 'control.hostStatus', (status) => hostStatusListeners.forEach((l) => l(status)));

  let state: { ctx: ServiceContext; handlers: Handlers<C> } | null = null;
  const queuedPorts: Array<{ message: unknown; ports: RawPort[] }> = [];

  const servePort = (message: unknown, ports: RawPort[]) => {
    if (!state) {
      queuedPorts.push({ message, ports });
      return;
    }
    const parsed = portMessageSchema.safeParse(message);
    const port = ports[0];
    if (!parsed.success || port === undefined) {
      state.ctx.log.warn({ message }, 'ignored a malformed port hand-off');
      return;
    }
    const { role, peer: peerName } = parsed.data;
    const remoteName = role === 'service' ? `the ${peerName} service` : peerName === 'orchestrator' ? 'the orchestrator' : SERVICE_NAMES.includes(peerName as ServiceName) ? `the ${peerName} service` : 'a client';
    const peer = new RpcPeer(portTransport(port), {
      remoteName,
      onProtocolError: (text) => state?.ctx.log.warn({ peer: peerName }, text),
    });
    if (role === 'service') {
      services.get(peerName as ServiceName)?.attach(peer);
      servicePeers.set(peerName as ServiceName, peer);
      for (const link of typedLinks.get(peerName as ServiceName)?.values() ?? []) link.attach(peer);
      return;
    }
    peer.serve(definition.contract, state.handlers);
    peer.serve(baseServiceContract, {
      'service.info': () => ({
        name: definition.name,
        version: state!.ctx.version,
        pid: process.pid,
        threadId,
        startedAt: startedAt.toISOString(),
        schemaVersion: SCHEMA_VERSION,
      }),
      'service.ping': ({ nonce }) => {
        let dbOk = false;
        try {
          dbOk = state?.ctx.db.prepare('select 1 as one').get() !== undefined;
        } catch (error) {
          state?.ctx.log.error({ err: error }, 'database ping failed');
        }
        return { nonce, service: definition.name, dbOk };
      },
    });
    clients.add(peer);
    peer.onClose(() => clients.delete(peer));
  };

  const shutdown = async () => {
    try {
      await definition.shutdown?.();
    } finally {
      for (const peer of clients) peer.close('the service is stopping');
      state?.ctx.db.close();
      await state?.ctx.log.flushAndClose?.();
    }
  };

  controlPeer.serve(serviceControlContract, {
    'control.health': () => {
      const usage = process.memoryUsage();
      const heap = getHeapStatistics();
      return {
        // A worker thread shares its process's resident set; its own isolate's heap is what it holds.
        memoryBytes: isMainThread ? usage.rss : heap.used_heap_size + heap.external_memory,
        rssBytes: usage.rss,
        uptimeMs: Date.now() - startedAt.getTime(),
      };
    },
    'control.shutdown': async () => {
      await shutdown();
      // Exit after the answer has been posted.
      setTimeout(() => process.exit(0), 20);
      return { ok: true as const };
    },
  });

  parent.onMessage((message, ports) => {
    if (isRpcEnvelope(message)) {
      control.deliver(message);
      return;
    }
    const kind = (message as { t?: unknown })?.t;
    if (kind === 'init') {
      void initialise(message);
    } else if (kind === 'port') {
      servePort(message, ports);
    }
  });

  const initialise = async (message: unknown) => {
    const init = initMessageSchema.safeParse(message);
    if (!init.success || init.data.service !== definition.name) {
      parent.send({ t: 'fatal', service: definition.name, message: 'malformed init message from the host' });
      process.exit(78);
    }
    const { dataDir, mode, logLevel, version, secrets } = init.data;
    try {
      const log = await createLogger({ dataDir, name: definition.name, level: logLevel });
      const db = openDatabase(dataDir);
      const ctx: ServiceContext = {
        name: definition.name,
        dataDir,
        mode,
        version,
        db,
        log,
        startedAt,
        service: (name) => services.get(name)!,
        serviceLink: <L extends Contract>(name: ServiceName, contract: L) => {
          let links = typedLinks.get(name);
          if (!links) typedLinks.set(name, (links = new Map()));
          let link = links.get(contract);
          if (!link) {
            link = new LinkedClient<Contract>(contract, { remoteName: `the ${name} service`, waitForLinkMs: 10_000 });
            const peer = servicePeers.get(name);
            if (peer && !peer.isClosed) link.attach(peer);
            links.set(contract, link);
          }
          return link as unknown as LinkedClient<L>;
        },
        broadcast: (contract, topic, payload) => {
          for (const peer of clients) peer.emit(contract, topic, payload);
        },
        onHostStatus: (listener) => {
          hostStatusListeners.add(listener);
          return () => hostStatusListeners.delete(listener);
        },
        host,
        secrets: serviceSecrets(definition.name, openSecretVault(db, unlockFromInit(secrets))),
      };
      const handlers = await definition.setup(ctx);
      state = { ctx, handlers };
      log.info({ pid: process.pid, threadId, mode }, `${definition.name} ready`);
      for (const queued of queuedPorts.splice(0)) servePort(queued.message, queued.ports);
      parent.send({ t: 'ready', service: definition.name });
    } catch (error) {
      parent.send({ t: 'fatal', service: definition.name, message: (error as Error).message });
      // Give the message a moment to leave before the thread ends.
      setTimeout(() => process.exit(70), 20);
    }
  };
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES } from '../core/contracts/services';
import type { HostLike, ServerLogger } from '../headless/types';
import type { LogLevel } from './options';

/** What `serve` drives: the server's view of the host, plus its life cycle. */
export interface ServeableHost extends HostLike {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface HeadlessHostRequest {
  dataDir: string;
  workersDir: string;
  version: string;
  logLevel: LogLevel;
  /** Where FISHMOUTH_MASTER_KEY is read from (and then removed); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type HostCreation =
  | { kind: 'ready'; host: ServeableHost; logger: ServerLogger; close(): Promise<void> }
  | { kind: 'error'; message: string };

export type HostFactory = (request: HeadlessHostRequest) => Promise<HostCreation>;

/** The real thing: the six services as worker threads, from the built worker files. */
export const createHeadlessHost: HostFactory = async ({ dataDir, workersDir, version, logLevel, env = process.env }) => {
  const missing = SERVICE_NAMES.map((name) => join(workersDir, 'workers', `${name}.js`)).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    return { kind: 'error', message: `Fish Mouth is not built yet: run \`npm run build\` (missing ${missing[0]}).` };
  }
  // Loaded on demand: `status`, `help` and later light commands should not load the store and services.
  const [{ FishMouthHost }, { createWorkerThreadAdapter }, { createLogger, closeLogger }, { unlockHeadlessSecrets }] = await Promise.all([
    import('../core/host/host'),
    import('../core/host/worker-thread-adapter'),
    import('../core/log'),
    import('../core/secrets'),
  ]);
  const secrets = unlockHeadlessSecrets(dataDir, env);
  if (secrets.kind === 'error') return secrets;
  const host = new FishMouthHost({ spawn: createWorkerThreadAdapter(), dataDir, mode: 'headless', workersDir, version, logLevel, secrets: secrets.unlock });
  const logger = await createLogger({ dataDir, name: 'headless', level: logLevel });
  logger.info({ source: secrets.source, created: secrets.created }, 'API keys unlocked');
  return {
    kind: 'ready',
    host,
    logger,
    close: () => closeLogger(logger),
  };
};

import type { HostStatus } from '../core/contracts/services';
import type { RawPort } from '../core/host/spawn';

/**
 * What the headless server needs of the host (`FishMouthHost` in src/core/host/host.ts satisfies
 * it). Kept structural so the server can be tested against a small fake.
 */
export interface HostLike {
  status(): HostStatus;
  onStatus(listener: (status: HostStatus) => void): () => void;
  /** `onPort` gets a fresh orchestrator client port now and after each orchestrator restart. */
  connectClient(onPort: (port: RawPort) => void): () => void;
}

type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The part of a pino logger the server uses; a pino `Logger` fits as is. */
export interface ServerLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const silentLogger: ServerLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

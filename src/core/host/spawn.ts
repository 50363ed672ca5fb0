import type { RuntimeKind, ServiceName } from '../contracts/services';

/**
 * An adapter-specific MessagePort: Node's `worker_threads.MessagePort` or Electron's
 * `MessagePortMain`. The host only passes these along; `portTransport` wraps either.
 */
export type RawPort = unknown;

export interface ExitInfo {
  code: number | null;
  /** What ended it, in words: "exited with code 1", "killed", "uncaught error: …". */
  reason: string;
}

/** One running service process or thread, as the supervisor sees it. */
export interface ServiceHandle {
  readonly pid: number | null;
  /** Sends a message on the parent channel, transferring `ports` with it. */
  send(message: unknown, ports?: RawPort[]): void;
  onMessage(handler: (message: unknown, ports: RawPort[]) => void): void;
  /** Called exactly once, however the service ended. */
  onExit(handler: (info: ExitInfo) => void): void;
  /** Ends it now, without asking. */
  kill(): void;
}

/**
 * How services are started: Electron `utilityProcess.fork` in the desktop app (src/main), worker
 * threads in the headless host and tests. Everything above this seam is the same code.
 */
export interface SpawnAdapter {
  readonly kind: RuntimeKind;
  spawn(spec: { service: ServiceName; entryFile: string; env: Record<string, string> }): ServiceHandle;
  /** A linked pair of ports of this runtime's kind. */
  createChannel(): [RawPort, RawPort];
}

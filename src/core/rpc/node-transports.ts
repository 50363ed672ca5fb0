import { MessagePort as NodeMessagePort } from 'node:worker_threads';
import type { Transport } from './transport';

/**
 * The common surface of Node's `worker_threads.MessagePort` and Electron's `MessagePortMain`:
 * both are EventEmitters with `postMessage`, `start`, `close` and a `close` event. They differ in
 * what a `message` listener receives: Node passes the value, Electron an event `{ data, ports }`.
 */
interface EmitterPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start?(): void;
  close(): void;
}

/** Wraps a Node `worker_threads.MessagePort` or an Electron `MessagePortMain` as a transport. */
export function portTransport(rawPort: unknown, kind: 'node' | 'electron' = detectPortKind(rawPort)): Transport {
  const port = rawPort as EmitterPort;
  let closed = false;
  const closeHandlers: Array<() => void> = [];
  const markClosed = () => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers) h();
  };
  port.on('close', markClosed);
  return {
    send(message) {
      if (closed) throw new Error('port is closed');
      port.postMessage(message);
    },
    onMessage(handler) {
      port.on('message', (value: unknown) => handler(kind === 'electron' ? (value as { data: unknown }).data : value));
      port.start?.();
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
    close() {
      port.close();
      markClosed();
    },
  };
}

function detectPortKind(port: unknown): 'node' | 'electron' {
  return port instanceof NodeMessagePort ? 'node' : 'electron';
}

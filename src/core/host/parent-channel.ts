import { z } from 'zod';
import type { Transport } from '../rpc/transport';
import type { RawPort } from './spawn';

/**
 * The channel between the host and one service: the worker's `parentPort` or the utility
 * process's `process.parentPort`. It carries the start-up hand-shake, port hand-offs, and the
 * control RPC (health, shutdown). RPC envelopes are told apart from hand-shake messages by `t`.
 */
const RPC_TYPES = new Set(['req', 'res', 'err', 'progress', 'cancel', 'event']);

export function isRpcEnvelope(message: unknown): boolean {
  return typeof message === 'object' && message !== null && RPC_TYPES.has((message as { t?: unknown }).t as string);
}

/** Worker threads cannot receive ports beside a message, so they travel inside this wrapper. */
export const workerWrapperSchema = z.object({ msg: z.unknown(), ports: z.array(z.unknown()).optional() });

export interface MessageSink {
  send(message: unknown): void;
  onMessage(handler: (message: unknown, ports: RawPort[]) => void): void;
}

/**
 * A transport over a parent channel that sees only RPC envelopes; `onClose` fires when `end()` is
 * called by the owner (the channel itself has no close event we can trust on both runtimes).
 */
export function rpcTransportOver(channel: MessageSink): Transport & { end(): void; deliver(message: unknown): void } {
  let receive: ((m: unknown) => void) | undefined;
  const closers: Array<() => void> = [];
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    closers.forEach((c) => c());
  };
  return {
    send: (message) => {
      if (ended) throw new Error('the parent channel is closed');
      channel.send(message);
    },
    onMessage: (handler) => {
      receive = handler;
    },
    onClose: (handler) => closers.push(handler),
    close: end,
    end,
    deliver: (message) => {
      if (!ended) receive?.(message);
    },
  };
}

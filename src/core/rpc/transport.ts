/**
 * The one thing an RPC peer needs from a link: send a message, receive messages, learn that the
 * link is gone. Adapters exist for Node and Electron MessagePorts (`./node-transports`), browser
 * MessagePorts and WebSockets (`./browser-transports`).
 */
export interface Transport {
  send(message: unknown): void;
  /** Registers the single receiver of incoming messages. */
  onMessage(handler: (message: unknown) => void): void;
  onClose(handler: () => void): void;
  close(): void;
}

/** Two linked in-memory transports, for tests and for in-process wiring. */
export function memoryTransportPair(): [Transport, Transport] {
  const make = () => {
    let receive: ((m: unknown) => void) | undefined;
    const closers: Array<() => void> = [];
    let closed = false;
    return {
      deliver: (m: unknown) => {
        if (!closed) queueMicrotask(() => receive?.(structuredClone(m)));
      },
      end: () => {
        if (closed) return;
        closed = true;
        for (const c of closers) c();
      },
      receiveOn: (h: (m: unknown) => void) => {
        receive = h;
      },
      closeOn: (h: () => void) => closers.push(h),
    };
  };
  const a = make();
  const b = make();
  const side = (self: ReturnType<typeof make>, other: ReturnType<typeof make>): Transport => ({
    send: (m) => other.deliver(m),
    onMessage: (h) => self.receiveOn(h),
    onClose: (h) => self.closeOn(h),
    close: () => {
      self.end();
      other.end();
    },
  });
  return [side(a, b), side(b, a)];
}

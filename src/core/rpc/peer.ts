import type { z } from 'zod';
import type { Contract, EventName, EventOf, MethodName, ParamsOf, ResultOf } from './contract';
import { describeZodError, envelopeSchema, RpcError, type Envelope, type Progress } from './protocol';
import type { Transport } from './transport';

export interface CallOptions {
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** Rejects with kind `timeout` after this long; default none. */
  timeoutMs?: number;
}

export interface HandlerContext {
  requestId: string;
  /** Aborted when the caller cancels or the link closes. */
  signal: AbortSignal;
  progress(progress: Progress): void;
}

export type Handlers<C extends Contract> = {
  [M in MethodName<C>]: (
    params: z.output<C['methods'][M]['params']>,
    ctx: HandlerContext,
  ) => Promise<z.input<C['methods'][M]['result']>> | z.input<C['methods'][M]['result']>;
};

interface Pending {
  method: string;
  resultSchema: z.ZodType;
  resolve(value: unknown): void;
  reject(error: RpcError): void;
  onProgress?: (progress: Progress) => void;
  cleanup(): void;
}

interface Served {
  spec: { params: z.ZodType; result: z.ZodType };
  handler: (params: unknown, ctx: HandlerContext) => unknown;
}

export interface PeerOptions {
  /** Who is on the other end, for error messages ("the scraper service"). */
  remoteName: string;
  /** Receives protocol problems that cannot be answered (malformed envelopes without an id). */
  onProtocolError?: (message: string) => void;
}

let idCounter = 0;
const idPrefix = Math.random().toString(36).slice(2, 8);

/**
 * One end of an RPC link. A peer may serve methods, call the other side, and push or receive
 * events, all over one transport. Requests carry ids; progress and cancellation travel with them.
 */
export class RpcPeer {
  private readonly pending = new Map<string, Pending>();
  private readonly served = new Map<string, Served>();
  private readonly running = new Map<string, AbortController>();
  private readonly listeners = new Map<string, { schema: z.ZodType; handlers: Set<(p: unknown) => void> }>();
  private closedReason: string | null = null;
  private readonly closeHandlers = new Set<() => void>();

  constructor(
    private readonly transport: Transport,
    private readonly options: PeerOptions,
  ) {
    transport.onMessage((message) => this.receive(message));
    transport.onClose(() => this.handleClose(`the link to ${options.remoteName} closed`));
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  /** Serves the methods of `contract` with `handlers`; parameters and results are validated. */
  serve<C extends Contract>(contract: C, handlers: Handlers<C>): this {
    for (const [method, spec] of Object.entries(contract.methods)) {
      const handler = (handlers as Record<string, Served['handler']>)[method];
      if (!handler) throw new Error(`No handler for ${contract.name}.${method}`);
      this.served.set(method, { spec, handler });
    }
    return this;
  }

  /** A typed client for a contract served on the other side. */
  client<C extends Contract>(contract: C): RpcClient<C> {
    return new RpcClient(this, contract);
  }

  call(contract: Contract, method: string, params: unknown, options: CallOptions = {}): Promise<unknown> {
    const spec = contract.methods[method];
    if (!spec) return Promise.reject(new RpcError('unknown-method', `${contract.name} has no method ${method}`));
    const checked = spec.params.safeParse(params);
    if (!checked.success) {
      return Promise.reject(new RpcError('bad-input', `${method}: ${describeZodError(checked.error, 'params')}`));
    }
    if (this.closedReason) {
      return Promise.reject(this.unavailable());
    }
    if (options.signal?.aborted) return Promise.reject(new RpcError('cancelled', `${method} was cancelled`));

    const id = `${idPrefix}-${++idCounter}`;
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        this.sendSafely({ t: 'cancel', id });
        this.settle(id, new RpcError('cancelled', `${method} was cancelled`));
      };
      const pending: Pending = {
        method,
        resultSchema: spec.result,
        resolve,
        reject,
        onProgress: options.onProgress,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      this.pending.set(id, pending);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.sendSafely({ t: 'cancel', id });
          this.settle(id, new RpcError('timeout', `${this.options.remoteName} did not answer ${method} within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      this.sendSafely({ t: 'req', id, method, params: checked.data });
    });
  }

  /** Pushes an event of `contract` to the other side. */
  emit<C extends Contract, E extends EventName<C>>(contract: C, topic: E, payload: EventOf<C, E>): void {
    const schema = contract.events[topic];
    if (!schema) throw new Error(`${contract.name} declares no event ${topic}`);
    const checked = schema.safeParse(payload);
    if (!checked.success) throw new Error(`event ${topic}: ${describeZodError(checked.error, 'payload')}`);
    if (!this.closedReason) this.sendSafely({ t: 'event', topic, payload: checked.data });
  }

  /** Listens for an event of `contract` pushed by the other side; returns the unsubscribe. */
  on<C extends Contract, E extends EventName<C>>(contract: C, topic: E, handler: (payload: EventOf<C, E>) => void): () => void {
    const schema = contract.events[topic];
    if (!schema) throw new Error(`${contract.name} declares no event ${topic}`);
    let entry = this.listeners.get(topic);
    if (!entry) {
      entry = { schema, handlers: new Set() };
      this.listeners.set(topic, entry);
    }
    const h = handler as (p: unknown) => void;
    entry.handlers.add(h);
    return () => entry.handlers.delete(h);
  }

  onClose(handler: () => void): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  /** Closes the link: pending calls fail as unavailable, running handlers are aborted. */
  close(reason = `the link to ${this.options.remoteName} was closed`): void {
    if (this.closedReason) return;
    this.handleClose(reason);
    this.transport.close();
  }

  private unavailable(): RpcError {
    return new RpcError(
      'service-unavailable',
      `${capitalise(this.options.remoteName)} is not reachable (${this.closedReason ?? 'not connected'}). It may be restarting; try again in a moment.`,
    );
  }

  private handleClose(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const id of [...this.pending.keys()]) this.settle(id, this.unavailable());
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
    for (const h of this.closeHandlers) h();
  }

  private settle(id: string, outcome: RpcError | { value: unknown }): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.cleanup();
    if (outcome instanceof RpcError) pending.reject(outcome);
    else pending.resolve(outcome.value);
  }

  private sendSafely(envelope: Envelope): void {
    try {
      this.transport.send(envelope);
    } catch (error) {
      this.handleClose(`sending failed: ${(error as Error).message}`);
    }
  }

  private receive(raw: unknown): void {
    const parsed = envelopeSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : null;
      const message = `malformed message from ${this.options.remoteName}: ${describeZodError(parsed.error)}`;
      if (id && (raw as { t?: unknown }).t === 'req') {
        this.sendSafely({ t: 'err', id: id.slice(0, 128) || 'unknown', error: { kind: 'invalid-message', message } });
      } else if (id && this.pending.has(id)) {
        this.settle(id, new RpcError('invalid-response', message));
      } else {
        this.options.onProtocolError?.(message);
      }
      return;
    }
    const env = parsed.data;
    switch (env.t) {
      case 'req':
        void this.handleRequest(env.id, env.method, env.params);
        return;
      case 'res': {
        const pending = this.pending.get(env.id);
        if (!pending) return;
        const result = pending.resultSchema.safeParse(env.result);
        if (result.success) this.settle(env.id, { value: result.data });
        else
          this.settle(
            env.id,
            new RpcError('invalid-response', `${this.options.remoteName} answered ${pending.method} with an invalid result: ${describeZodError(result.error, 'result')}`),
          );
        return;
      }
      case 'err':
        this.settle(env.id, RpcError.fromShape(env.error));
        return;
      case 'progress':
        this.pending.get(env.id)?.onProgress?.(env.progress);
        return;
      case 'cancel':
        this.running.get(env.id)?.abort();
        return;
      case 'event': {
        const entry = this.listeners.get(env.topic);
        if (!entry) return;
        const payload = entry.schema.safeParse(env.payload);
        if (!payload.success) {
          this.options.onProtocolError?.(`event ${env.topic} from ${this.options.remoteName}: ${describeZodError(payload.error, 'payload')}`);
          return;
        }
        for (const h of entry.handlers) h(payload.data);
      }
    }
  }

  private async handleRequest(id: string, method: string, rawParams: unknown): Promise<void> {
    const served = this.served.get(method);
    if (!served) {
      this.sendSafely({ t: 'err', id, error: { kind: 'unknown-method', message: `unknown method ${method}` } });
      return;
    }
    const params = served.spec.params.safeParse(rawParams);
    if (!params.success) {
      this.sendSafely({ t: 'err', id, error: { kind: 'bad-input', message: `${method}: ${describeZodError(params.error, 'params')}` } });
      return;
    }
    if (this.running.has(id)) {
      this.sendSafely({ t: 'err', id, error: { kind: 'invalid-message', message: `request id ${id} is already in use` } });
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      const value = await served.handler(params.data, {
        requestId: id,
        signal: controller.signal,
        progress: (progress) => {
          if (!controller.signal.aborted) this.sendSafely({ t: 'progress', id, progress });
        },
      });
      if (controller.signal.aborted) throw new RpcError('cancelled', `${method} was cancelled`);
      const result = served.spec.result.safeParse(value);
      if (!result.success) {
        throw new RpcError('internal', `${method} produced an invalid result: ${describeZodError(result.error, 'result')}`);
      }
      this.sendSafely({ t: 'res', id, result: result.data });
    } catch (error) {
      const rpcError =
        error instanceof RpcError
          ? error
          : controller.signal.aborted
            ? new RpcError('cancelled', `${method} was cancelled`)
            : new RpcError('internal', `${method} failed: ${(error as Error)?.message ?? String(error)}`);
      if (!this.closedReason) this.sendSafely({ t: 'err', id, error: rpcError.toShape() });
    } finally {
      this.running.delete(id);
    }
  }
}

/** Typed calls to one contract over a peer. */
export class RpcClient<C extends Contract> {
  constructor(
    readonly peer: RpcPeer,
    readonly contract: C,
  ) {}

  call<M extends MethodName<C>>(method: M, params: ParamsOf<C, M>, options?: CallOptions): Promise<ResultOf<C, M>> {
    return this.peer.call(this.contract, method, params, options) as Promise<ResultOf<C, M>>;
  }

  on<E extends EventName<C>>(topic: E, handler: (payload: EventOf<C, E>) => void): () => void {
    return this.peer.on(this.contract, topic, handler);
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

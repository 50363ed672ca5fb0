import type { Contract, EventName, EventOf, MethodName, ParamsOf, ResultOf } from './contract';
import type { CallOptions, RpcPeer } from './peer';
import { RpcError } from './protocol';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/**
 * A client whose link may be replaced: the renderer's link to the orchestrator is re-made after
 * the orchestrator restarts (new MessagePort) or the WebSocket reconnects. Calls made while no
 * link is attached wait briefly for one; event subscriptions follow the link.
 */
export class LinkedClient<C extends Contract> {
  private peer: RpcPeer | null = null;
  private state: ConnectionState = 'connecting';
  private readonly subscriptions = new Map<string, Set<(payload: unknown) => void>>();
  private readonly detachers: Array<() => void> = [];
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private waiters: Array<() => void> = [];

  constructor(
    readonly contract: C,
    private readonly options: { remoteName: string; waitForLinkMs?: number } = { remoteName: 'the service' },
  ) {}

  get connection(): ConnectionState {
    return this.state;
  }

  attach(peer: RpcPeer): void {
    this.detach('connecting');
    this.peer = peer;
    for (const [topic, handlers] of this.subscriptions) {
      this.detachers.push(peer.on(this.contract, topic as EventName<C>, (p) => handlers.forEach((h) => h(p))));
    }
    peer.onClose(() => {
      if (this.peer === peer) this.detach('disconnected');
    });
    this.setState('connected');
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  detach(state: ConnectionState = 'disconnected'): void {
    this.detachers.splice(0).forEach((d) => d());
    this.peer = null;
    this.setState(state);
  }

  async call<M extends MethodName<C>>(method: M, params: ParamsOf<C, M>, options?: CallOptions): Promise<ResultOf<C, M>> {
    const peer = this.peer ?? (await this.waitForLink());
    return peer.call(this.contract, method, params, options) as Promise<ResultOf<C, M>>;
  }

  on<E extends EventName<C>>(topic: E, handler: (payload: EventOf<C, E>) => void): () => void {
    let handlers = this.subscriptions.get(topic);
    if (!handlers) {
      handlers = new Set();
      this.subscriptions.set(topic, handlers);
      if (this.peer) this.detachers.push(this.peer.on(this.contract, topic, (p) => handlers!.forEach((h) => h(p))));
    }
    const h = handler as (payload: unknown) => void;
    handlers.add(h);
    return () => handlers!.delete(h);
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.stateListeners.forEach((l) => l(state));
  }

  private waitForLink(): Promise<RpcPeer> {
    const waitMs = this.options.waitForLinkMs ?? 5000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== onLink);
        reject(new RpcError('service-unavailable', `${this.options.remoteName} is not connected; it may be restarting. Try again in a moment.`));
      }, waitMs);
      const onLink = () => {
        clearTimeout(timer);
        resolve(this.peer!);
      };
      this.waiters.push(onLink);
    });
  }
}

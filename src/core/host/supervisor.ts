import { serviceControlContract, hostControlContract, fatalMessageSchema, readyMessageSchema, type InitMessage } from '../contracts/control';
import type { ServiceName, ServiceState, ServiceStatus, RuntimeKind } from '../contracts/services';
import type { Handlers } from '../rpc/peer';
import { RpcPeer } from '../rpc/peer';
import { isRpcEnvelope, rpcTransportOver } from './parent-channel';
import type { ExitInfo, RawPort, ServiceHandle, SpawnAdapter } from './spawn';

export interface SupervisionPolicy {
  /** First restart delay; doubles per recent crash up to `restartMaxMs`. */
  restartBaseMs: number;
  restartMaxMs: number;
  /** This many crashes within `circuitWindowMs` open the circuit. */
  circuitThreshold: number;
  circuitWindowMs: number;
  /** After this long an open circuit lets one more start through (half-open). */
  circuitCooldownMs: number;
  readyTimeoutMs: number;
  /** A graceful stop that takes longer than this is ended by force. */
  stopTimeoutMs: number;
  healthIntervalMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionPolicy = {
  restartBaseMs: 250,
  restartMaxMs: 2000,
  circuitThreshold: 5,
  circuitWindowMs: 60_000,
  circuitCooldownMs: 5 * 60_000,
  readyTimeoutMs: 30_000,
  stopTimeoutMs: 3000,
  healthIntervalMs: 2000,
};

export interface SupervisorEvents {
  /** The service said ready; `control` is its parent-channel RPC peer. */
  onReady(name: ServiceName, handle: ServiceHandle, control: RpcPeer): void;
  /** The service is gone (crash, kill or stop). */
  onDown(name: ServiceName, reason: string): void;
  onChange(): void;
  log(level: 'info' | 'warn' | 'error', message: string, details?: object): void;
}

/**
 * Owns one service's whole life: spawn, ready hand-shake, health polling, crash restarts with
 * backoff, the circuit breaker, and graceful stop with a forced kill after a timeout.
 */
export class ServiceSupervisor {
  private handle: ServiceHandle | null = null;
  private control: RpcPeer | null = null;
  private state: ServiceState = 'stopped';
  private restarts = 0;
  private crashTimes: number[] = [];
  private startedAt: Date | null = null;
  private readyAt: Date | null = null;
  private memoryBytes: number | null = null;
  private lastExit: ServiceStatus['lastExit'] = null;
  private nextRestartAt: Date | null = null;
  private circuitOpenUntil: Date | null = null;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private healthTimer: ReturnType<typeof setInterval> | null = null;
  private stopping: Promise<void> | null = null;
  private exitWaiters: Array<() => void> = [];

  constructor(
    readonly name: ServiceName,
    private readonly adapter: SpawnAdapter,
    private readonly entryFile: string,
    private readonly init: Omit<InitMessage, 't' | 'service'>,
    private readonly policy: SupervisionPolicy,
    private readonly events: SupervisorEvents,
    private readonly hostHandlers: Handlers<typeof hostControlContract> | null,
  ) {}

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get runtime(): RuntimeKind {
    return this.adapter.kind;
  }

  /** The running handle, for port hand-offs (and for tests that kill a service). */
  get current(): ServiceHandle | null {
    return this.handle;
  }

  get controlPeer(): RpcPeer | null {
    return this.control;
  }

  status(): ServiceStatus {
    return {
      name: this.name,
      state: this.state,
      runtime: this.adapter.kind,
      pid: this.handle?.pid ?? null,
      restarts: this.restarts,
      recentCrashes: this.recentCrashes(),
      startedAt: this.startedAt?.toISOString() ?? null,
      readyAt: this.readyAt?.toISOString() ?? null,
      memoryBytes: this.memoryBytes,
      lastExit: this.lastExit,
      nextRestartAt: this.nextRestartAt?.toISOString() ?? null,
      circuitOpenUntil: this.circuitOpenUntil?.toISOString() ?? null,
    };
  }

  start(): void {
    if (this.handle || this.state === 'stopping') return;
    this.clearTimers();
    this.nextRestartAt = null;
    this.setState('starting');
    this.startedAt = new Date();
    this.readyAt = null;
    this.memoryBytes = null;
    const handle = this.adapter.spawn({
      service: this.name,
      entryFile: this.entryFile,
      env: { FISHMOUTH_SERVICE: this.name },
    });
    this.handle = handle;
    const transport = rpcTransportOver({ send: (m) => handle.send(m), onMessage: () => undefined });
    const control = new RpcPeer(transport, { remoteName: `the ${this.name} service` });
    if (this.hostHandlers) control.serve(hostControlContract, this.hostHandlers);
    this.control = control;

    const readyTimer = this.later(this.policy.readyTimeoutMs, () => {
      if (this.handle === handle && this.state === 'starting') {
        this.events.log('error', `${this.name} did not become ready within ${this.policy.readyTimeoutMs} ms; killing it`);
        this.lastExit = { at: new Date().toISOString(), code: null, reason: 'did not become ready in time' };
        handle.kill();
      }
    });

    handle.onMessage((message) => {
      if (this.handle !== handle) return;
      if (isRpcEnvelope(message)) {
        transport.deliver(message);
        return;
      }
      if (readyMessageSchema.safeParse(message).success) {
        clearTimeout(readyTimer);
        this.readyAt = new Date();
        this.setState('ready');
        this.startHealthPolling(control);
        this.events.onReady(this.name, handle, control);
        return;
      }
      const fatal = fatalMessageSchema.safeParse(message);
      if (fatal.success) {
        this.events.log('error', `${this.name} failed to start: ${fatal.data.message}`);
        this.lastExit = { at: new Date().toISOString(), code: null, reason: `failed to start: ${fatal.data.message}` };
      }
    });
    handle.onExit((info) => this.handleExit(handle, transport, info));
    handle.send({ t: 'init', service: this.name, ...this.init });
  }

  /** Graceful stop: ask the service to shut down, then end it by force after the timeout. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.clearTimers();
    const handle = this.handle;
    if (!handle) {
      this.setState('stopped');
      return Promise.resolve();
    }
    this.setState('stopping');
    this.stopping = new Promise<void>((resolve) => {
      this.exitWaiters.push(resolve);
      const force = setTimeout(() => handle.kill(), this.policy.stopTimeoutMs);
      this.exitWaiters.push(() => clearTimeout(force));
      this.control
        ?.call(serviceControlContract, 'control.shutdown', {}, { timeoutMs: this.policy.stopTimeoutMs })
        .catch(() => handle.kill());
    }).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  /** A manual restart, which also closes an open circuit. */
  async restart(): Promise<void> {
    await this.stop();
    this.crashTimes = [];
    this.circuitOpenUntil = null;
    this.restarts++;
    this.start();
  }

  private handleExit(handle: ServiceHandle, transport: ReturnType<typeof rpcTransportOver>, info: ExitInfo): void {
    if (this.handle !== handle) return;
    transport.end();
    this.handle = null;
    this.control = null;
    this.stopHealthPolling();
    const wasStopping = this.state === 'stopping';
    const reason = this.lastExit?.reason.startsWith('failed to start') || this.lastExit?.reason === 'did not become ready in time'
      ? this.lastExit.reason
      : info.reason;
    this.lastExit = { at: new Date().toISOString(), code: info.code, reason };
    this.events.onDown(this.name, reason);
    if (wasStopping) {
      this.setState('stopped');
      this.exitWaiters.splice(0).forEach((w) => w());
      return;
    }
    this.crashTimes.push(Date.now());
    const crashes = this.recentCrashes();
    if (crashes >= this.policy.circuitThreshold) {
      this.circuitOpenUntil = new Date(Date.now() + this.policy.circuitCooldownMs);
      this.events.log('error', `${this.name} crashed ${crashes} times within ${this.policy.circuitWindowMs / 1000} s; circuit open until ${this.circuitOpenUntil.toISOString()}`, { reason });
      this.setState('circuit-open');
      this.later(this.policy.circuitCooldownMs, () => {
        // Half-open: one more try; the crash history stays, so one more crash reopens it.
        if (this.state === 'circuit-open') {
          this.circuitOpenUntil = null;
          this.restarts++;
          this.start();
        }
      });
      return;
    }
    const delay = Math.min(this.policy.restartBaseMs * 2 ** Math.max(0, crashes - 1), this.policy.restartMaxMs);
    this.nextRestartAt = new Date(Date.now() + delay);
    this.events.log('warn', `${this.name} stopped unexpectedly (${reason}); restarting in ${delay} ms`);
    this.setState('restarting');
    this.later(delay, () => {
      if (this.state === 'restarting') {
        this.restarts++;
        this.start();
      }
    });
  }

  private recentCrashes(): number {
    const since = Date.now() - this.policy.circuitWindowMs;
    this.crashTimes = this.crashTimes.filter((t) => t >= since);
    return this.crashTimes.length;
  }

  private startHealthPolling(control: RpcPeer): void {
    this.stopHealthPolling();
    const poll = async () => {
      try {
        const health = await control.call(serviceControlContract, 'control.health', {}, { timeoutMs: this.policy.healthIntervalMs * 2 });
        const memory = (health as { memoryBytes: number }).memoryBytes;
        if (this.control === control && memory !== this.memoryBytes) {
          this.memoryBytes = memory;
          this.events.onChange();
        }
      } catch {
        // A missed health answer is not a crash; the exit event is what counts.
      }
    };
    void poll();
    this.healthTimer = setInterval(poll, this.policy.healthIntervalMs);
    this.healthTimer.unref?.();
  }

  private stopHealthPolling(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
  }

  private setState(state: ServiceState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.onChange();
  }

  private later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** For port hand-offs: send `message` with `port` to the running service. */
  handOff(message: object, port: RawPort): boolean {
    if (!this.handle || this.state !== 'ready') return false;
    this.handle.send(message, [port]);
    return true;
  }
}

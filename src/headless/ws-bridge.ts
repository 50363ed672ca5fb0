import type { WebSocket } from 'ws';
import { portTransport } from '../core/rpc/node-transports';
import type { RpcErrorShape } from '../core/rpc/protocol';
import type { Transport } from '../core/rpc/transport';
import type { HostLike, ServerLogger } from './types';

export interface BridgeOptions {
  /** How long messages from the browser wait for an orchestrator link (after a restart). */
  orchestratorWaitMs: number;
  /** At most this many messages wait for a link; beyond that the oldest requests are refused. */
  maxQueued: number;
}

/** Close codes a browser client can act on (RFC 6455 §7.4.1). */
export const CLOSE_INVALID_PAYLOAD = 1007;
export const CLOSE_UNSUPPORTED_DATA = 1003;
export const CLOSE_GOING_AWAY = 1001;

const MAX_TRACKED_REQUESTS = 10_000;

/**
 * Relays one browser WebSocket to the orchestrator's client port, message for message.
 *
 * Note: the bridge does not run an RPC peer. The orchestrator validates every envelope itself, as
 * it does for the Electron preload's port, so the browser and the desktop window see the same
 * service. The bridge only remembers which request ids are in flight so that, when the
 * orchestrator goes away mid-call, the browser gets the same `service-unavailable` error the
 * desktop gets instead of waiting forever.
 */
export class WebSocketBridge {
  private link: Transport | null = null;
  private readonly inFlight = new Set<string>();
  private queue: unknown[] = [];
  private queueTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly disconnect: () => void;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    host: HostLike,
    private readonly options: BridgeOptions,
    private readonly logger: ServerLogger,
    private readonly clientId: string,
  ) {
    socket.on('message', (data, isBinary) => this.fromBrowser(data, isBinary));
    socket.on('close', () => this.close());
    socket.on('error', (error) => this.logger.warn({ client: clientId, err: error.message }, 'WebSocket error'));
    // connectClient may hand the first port synchronously, so every handler is in place before it.
    this.disconnect = host.connectClient((port) => this.attach(port));
    if (this.closed) this.disconnect();
  }

  /** Ends the link: the socket closed or the server is shutting down. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearQueueTimer();
    this.queue = [];
    this.disconnect?.();
    const link = this.link;
    this.link = null;
    link?.close();
  }

  private attach(port: unknown): void {
    if (this.closed) {
      portTransport(port).close();
      return;
    }
    const previous = this.link;
    const link = portTransport(port);
    this.link = link;
    if (previous) {
      // Requests sent over the old port will never be answered by the new orchestrator.
      this.failInFlight('The orchestrator restarted while this request was running. Try again.');
      previous.close();
    }
    link.onMessage((message) => this.fromOrchestrator(message));
    link.onClose(() => this.linkClosed(link));
    this.logger.debug({ client: this.clientId }, 'orchestrator link attached');
    this.flushQueue();
  }

  private linkClosed(link: Transport): void {
    if (this.link !== link) return;
    this.link = null;
    // Keep the socket: the host hands a new port once the orchestrator is back.
    this.failInFlight('The orchestrator stopped while this request was running; it is restarting. Try again in a moment.');
    this.logger.info({ client: this.clientId }, 'orchestrator link closed; waiting for a new one');
  }

  private fromBrowser(data: unknown, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) {
      this.logger.warn({ client: this.clientId }, 'browser sent a binary frame; closing the socket');
      this.socket.close(CLOSE_UNSUPPORTED_DATA, 'Fish Mouth expects JSON text frames');
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(String(data));
    } catch {
      this.logger.warn({ client: this.clientId }, 'browser sent a frame that is not JSON; closing the socket');
      this.socket.close(CLOSE_INVALID_PAYLOAD, 'frames must be JSON');
      return;
    }
    if (this.link) this.forward(this.link, message);
    else this.enqueue(message);
  }

  private forward(link: Transport, message: unknown): void {
    const id = requestIdOf(message, 'req');
    if (id !== null && this.inFlight.size < MAX_TRACKED_REQUESTS) this.inFlight.add(id);
    try {
      link.send(message);
    } catch (error) {
      this.logger.warn({ client: this.clientId, err: (error as Error).message }, 'could not pass a message to the orchestrator');
      if (id !== null) this.answerUnavailable(id, 'The orchestrator is not reachable; it may be restarting. Try again in a moment.');
    }
  }

  private fromOrchestrator(message: unknown): void {
    const answered = requestIdOf(message, 'res') ?? requestIdOf(message, 'err');
    if (answered !== null) this.inFlight.delete(answered);
    this.sendToBrowser(message);
  }

  private sendToBrowser(message: unknown): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      this.logger.error({ client: this.clientId, err: (error as Error).message }, 'orchestrator message cannot be sent as JSON');
      return;
    }
    this.socket.send(text);
  }

  private enqueue(message: unknown): void {
    this.queue.push(message);
    while (this.queue.length > this.options.maxQueued) this.refuseQueued(this.queue.shift());
    this.queueTimer ??= setTimeout(() => {
      this.queueTimer = null;
      const waiting = this.queue;
      this.queue = [];
      waiting.forEach((m) => this.refuseQueued(m));
    }, this.options.orchestratorWaitMs);
  }

  private flushQueue(): void {
    this.clearQueueTimer();
    const waiting = this.queue;
    this.queue = [];
    for (const message of waiting) {
      if (!this.link) {
        this.enqueue(message);
        continue;
      }
      this.forward(this.link, message);
    }
  }

  private refuseQueued(message: unknown): void {
    const id = requestIdOf(message, 'req');
    if (id !== null) this.answerUnavailable(id, 'The orchestrator is not running; it may be restarting. Try again in a moment.');
  }

  private failInFlight(message: string): void {
    const ids = [...this.inFlight];
    this.inFlight.clear();
    ids.forEach((id) => this.answerUnavailable(id, message));
  }

  private answerUnavailable(id: string, message: string): void {
    const error: RpcErrorShape = { kind: 'service-unavailable', message };
    this.sendToBrowser({ t: 'err', id, error });
  }

  private clearQueueTimer(): void {
    if (this.queueTimer) clearTimeout(this.queueTimer);
    this.queueTimer = null;
  }
}

/** The id of an envelope of type `t`, read without trusting anything else about it. */
function requestIdOf(message: unknown, t: 'req' | 'res' | 'err'): string | null {
  if (typeof message !== 'object' || message === null) return null;
  const m = message as { t?: unknown; id?: unknown };
  return m.t === t && typeof m.id === 'string' && m.id.length > 0 && m.id.length <= 128 ? m.id : null;
}

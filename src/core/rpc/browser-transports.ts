import { createFishMouthApi, type FishMouthApi } from '../contracts/api';
import { orchestratorApiContract } from '../contracts/orchestrator-api';
import { LinkedClient } from './linked-client';
import { RpcPeer } from './peer';
import type { Transport } from './transport';

/*
 * Browser-side transports. This file is compiled for the renderer (DOM) and for Node tests (no
 * DOM lib), so it names only the few members it uses through small structural types: a DOM
 * MessagePort, a DOM WebSocket and the `ws` package's WebSocket all fit them.
 */

/** Any DOM event; only message events carry `data`. */
interface EventLike {
  readonly type: string;
  readonly data?: unknown;
}

/** The part of a DOM `MessagePort` a transport needs. */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
  addEventListener(type: 'message' | 'close', listener: (event: EventLike) => void): void;
}

/** The part of a DOM `WebSocket` a transport needs. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: EventLike) => void): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

const WS_OPEN = 1;
/** Application close code: the client gave up on the socket (it is not the server's fault). */
const CLOSE_CLIENT_GONE = 4000;

function onceGuard(handlers: Array<() => void>): { fire(): void; fired(): boolean } {
  let done = false;
  return {
    fire() {
      if (done) return;
      done = true;
      for (const h of handlers) h();
    },
    fired: () => done,
  };
}

/** Wraps a DOM `MessagePort` (e.g. one handed to the preload by Electron's main process). */
export function browserPortTransport(port: MessagePortLike): Transport {
  const closeHandlers: Array<() => void> = [];
  const closed = onceGuard(closeHandlers);
  // Note: the 'close' event on MessagePort exists in current Chromium (Electron); where it does
  // not, the link still ends through close() or the peer's own failure to send.
  port.addEventListener('close', () => closed.fire());
  return {
    send(message) {
      if (closed.fired()) throw new Error('port is closed');
      port.postMessage(message);
    },
    onMessage(handler) {
      port.addEventListener('message', (event) => handler(event.data));
      port.start();
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
    close() {
      port.close();
      closed.fire();
    },
  };
}

export interface WebSocketTransportOptions {
  /** Told about frames that are not JSON; they are dropped. Defaults to a console warning. */
  onProtocolError?: (message: string) => void;
}

/** Wraps an open (or opening) WebSocket carrying one JSON envelope per text frame. */
export function webSocketTransport(socket: WebSocketLike, options: WebSocketTransportOptions = {}): Transport {
  const report = options.onProtocolError ?? ((message: string) => console.warn(`[fishmouth] ${message}`));
  const closeHandlers: Array<() => void> = [];
  const closed = onceGuard(closeHandlers);
  socket.addEventListener('close', () => closed.fire());
  return {
    send(message) {
      if (closed.fired() || socket.readyState !== WS_OPEN) throw new Error('the WebSocket is not open');
      socket.send(JSON.stringify(message));
    },
    onMessage(handler) {
      socket.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') {
          report('dropped a binary WebSocket frame: the API speaks JSON text frames only');
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(event.data);
        } catch {
          report(`dropped a WebSocket frame that is not JSON (${event.data.length} characters)`);
          return;
        }
        handler(parsed);
      });
    },
    onClose(handler) {
      closeHandlers.push(handler);
    },
    close() {
      socket.close(CLOSE_CLIENT_GONE, 'client closed the link');
      closed.fire();
    },
  };
}

/** How the WebSocket link to the headless host stands, for the UI. */
export type WebSocketLinkState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'open' }
  | { kind: 'waiting'; attempt: number; retryInMs: number }
  /** The host refused the access token; retrying cannot help until the page gets a new link. */
  | { kind: 'unauthorized'; message: string };

export type AccessCheck = 'allowed' | 'denied' | 'unknown';

export interface WebSocketApiOptions {
  /** `ws://127.0.0.1:PORT/api/ws?token=TOKEN` */
  url: string;
  onState?: (state: WebSocketLinkState) => void;
  /** Defaults to the global `WebSocket`. */
  createSocket?: WebSocketFactory;
  /**
   * Called when a socket closes without ever opening. A browser cannot read the HTTP status of a
   * refused upgrade, so this asks the host over plain HTTP; the default GETs the same URL.
   */
  checkAccess?: (url: string) => Promise<AccessCheck>;
  /** Reconnect delays: the first, doubled after each failure up to the maximum. */
  backoff?: { initialMs: number; maxMs: number };
  /** Aborting closes the socket for good (page teardown, tests). */
  signal?: AbortSignal;
}

export const ACCESS_DENIED_MESSAGE =
  'This page needs the link printed by `fishmouth serve` (access token missing or expired).';

/** Asks the host whether the token in a WebSocket URL is accepted, by a plain HTTP GET to it. */
export async function checkAccessOverHttp(wsUrl: string): Promise<AccessCheck> {
  const httpUrl = wsUrl.replace(/^ws(s?):/i, 'http$1:');
  try {
    const response = await fetch(httpUrl, { method: 'GET', credentials: 'omit' });
    if (response.status === 401 || response.status === 403) return 'denied';
    return 'allowed';
  } catch {
    return 'unknown';
  }
}

function defaultSocketFactory(): WebSocketFactory {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new Error('This environment has no WebSocket; pass createSocket.');
  return (url) => new Ctor(url);
}

/**
 * The renderer's API over a WebSocket to the headless host: the same `FishMouthApi` the Electron
 * preload exposes. The socket is re-opened with backoff whenever it closes; each new socket gets a
 * fresh peer, and the linked client re-subscribes events on it.
 */
export function connectWebSocketApi(options: WebSocketApiOptions): FishMouthApi {
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the Fish Mouth host' });
  const createSocket = options.createSocket ?? defaultSocketFactory();
  const checkAccess = options.checkAccess ?? checkAccessOverHttp;
  const initialMs = options.backoff?.initialMs ?? 500;
  const maxMs = options.backoff?.maxMs ?? 10_000;
  const setState = (state: WebSocketLinkState) => options.onState?.(state);

  let failures = 0;
  let current: WebSocketLike | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const stopped = () => options.signal?.aborted === true;
  options.signal?.addEventListener('abort', () => {
    clearTimeout(retryTimer);
    current?.close(CLOSE_CLIENT_GONE, 'client closed the link');
    client.detach('disconnected');
  });

  const open = () => {
    if (stopped()) return;
    setState({ kind: 'connecting', attempt: failures + 1 });
    let socket: WebSocketLike;
    try {
      socket = createSocket(options.url);
    } catch (error) {
      // A malformed URL or a blocked scheme: retrying will not fix it, but we keep trying so a
      // transient condition (e.g. a CSP reload) does not leave the page dead.
      console.error(`[fishmouth] could not open the WebSocket: ${(error as Error).message}`);
      void retry(false);
      return;
    }
    current = socket;
    let opened = false;
    // A refused or broken socket reports 'error' then 'close'; the close drives the retry. (Node's
    // `ws` throws on an 'error' nobody listens to, hence the listener.)
    socket.addEventListener('error', () => {});
    socket.addEventListener('open', () => {
      if (stopped()) return socket.close(CLOSE_CLIENT_GONE, 'client closed the link');
      opened = true;
      failures = 0;
      const peer = new RpcPeer(webSocketTransport(socket), {
        remoteName: 'the orchestrator',
        onProtocolError: (message) => console.warn(`[fishmouth] ${message}`),
      });
      client.attach(peer);
      setState({ kind: 'open' });
    });
    socket.addEventListener('close', () => void retry(opened));
  };

  const retry = async (wasOpen: boolean) => {
    if (stopped()) return;
    if (!wasOpen) {
      const access = await checkAccess(options.url);
      if (stopped()) return;
      if (access === 'denied') {
        client.detach('disconnected');
        setState({ kind: 'unauthorized', message: ACCESS_DENIED_MESSAGE });
        return;
      }
    }
    const delay = Math.min(maxMs, initialMs * 2 ** failures);
    failures += 1;
    setState({ kind: 'waiting', attempt: failures, retryInMs: delay });
    retryTimer = setTimeout(open, delay);
  };

  open();
  return createFishMouthApi(client, 'websocket');
}

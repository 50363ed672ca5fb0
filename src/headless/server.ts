import { readFileSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HostStatus } from '../core/contracts/services';
import { pagePolicyHeader } from '../core/renderer-page';
import { createAccessToken, hostForUrl, isWildcardAddress, OriginPolicy, presentedToken, SECURITY_HEADERS, tokenMatches } from './security';
import { serveStaticFile } from './static-files';
import { silentLogger, type HostLike, type ServerLogger } from './types';
import { CLOSE_GOING_AWAY, WebSocketBridge } from './ws-bridge';

export type { HostLike, ServerLogger } from './types';

export const WEBSOCKET_PATH = '/api/ws';
export const HEALTH_PATH = '/api/health';

export interface HeadlessServerOptions {
  host: HostLike;
  /** The renderer build, normally out/renderer. */
  rendererDir: string;
  /** 0 picks any free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. Anything else exposes the app to the network behind the token alone. */
  bindAddress?: string;
  /** Default: 32 random bytes, base64url, new for each launch. */
  token?: string;
  logger?: ServerLogger;
  /** Ping interval; a socket that misses one pong is terminated. Default 30 s. */
  keepaliveMs?: number;
  /** How long browser messages wait for the orchestrator while it restarts. Default 5 s. */
  orchestratorWaitMs?: number;
  /** Largest WebSocket message accepted. Default 1 MiB. */
  maxPayloadBytes?: number;
}

export interface HeadlessServer {
  /** The address to open, token included: http://127.0.0.1:PORT/?token=… */
  url: string;
  /** The same address without the token, safe to log. */
  baseUrl: string;
  port: number;
  token: string;
  bindAddress: string;
  close(): Promise<void>;
}

export type HeadlessServerErrorKind = 'port-in-use' | 'address-unavailable' | 'permission-denied' | 'listen-failed';

export class HeadlessServerError extends Error {
  constructor(
    readonly kind: HeadlessServerErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'HeadlessServerError';
  }
}

type ApiErrorKind = 'unauthorized' | 'not-found' | 'method-not-allowed' | 'upgrade-required' | 'bad-request' | 'forbidden-host' | 'forbidden-origin' | 'internal';

/** Serves the renderer and the orchestrator's API to a browser: the headless face of the app. */
export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const logger = options.logger ?? silentLogger;
  const bindAddress = options.bindAddress ?? '127.0.0.1';
  const token = options.token ?? createAccessToken();
  const keepaliveMs = options.keepaliveMs ?? 30_000;
  const bridgeOptions = { orchestratorWaitMs: options.orchestratorWaitMs ?? 5_000, maxQueued: 256 };
  const { host, rendererDir } = options;
  const pagePolicy = pagePolicyHeader(readPage(rendererDir));

  let policy: OriginPolicy | null = null;
  const bridges = new Map<WebSocket, WebSocketBridge>();
  const alive = new WeakSet<WebSocket>();
  let clientCounter = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 1024 * 1024 });

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      logger.error({ err: (error as Error)?.message, url: redactToken(req.url) }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: { kind: 'internal', message: 'Fish Mouth could not answer this request; see the log.' } });
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!policy) return sendApiError(res, 503, 'internal', 'Fish Mouth is still starting.');
    const check = policy.check({ host: req.headers.host, origin: req.headers.origin });
    if (!check.ok) {
      logger.warn({ host: req.headers.host, origin: req.headers.origin }, 'refused a request from a foreign host or origin');
      return sendApiError(res, check.status, check.kind, check.message);
    }
    const url = parseRequestUrl(req.url);
    if (!url) return sendApiError(res, 400, 'bad-request', 'The address is not valid.');
    const method = req.method ?? 'GET';

    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (url.pathname === HEALTH_PATH) {
        if (method !== 'GET' && method !== 'HEAD') return sendMethodNotAllowed(res);
        return sendHealth(res, method === 'HEAD');
      }
      if (!tokenMatches(presentedToken(req.headers.authorization, url), token)) return sendUnauthorized(res);
      if (url.pathname === WEBSOCKET_PATH) return sendApiError(res, 426, 'upgrade-required', `${WEBSOCKET_PATH} is a WebSocket endpoint.`);
      return sendApiError(res, 404, 'not-found', `There is no API at ${url.pathname}.`);
    }

    if (method !== 'GET' && method !== 'HEAD') return sendMethodNotAllowed(res);
    await serveStaticFile(rendererDir, url.pathname, req, res, pagePolicy);
  }

  function sendHealth(res: ServerResponse, headOnly: boolean): void {
    let status: HostStatus;
    try {
      status = host.status();
    } catch (error) {
      logger.error({ err: (error as Error)?.message }, 'host status failed');
      return sendApiError(res, 503, 'internal', 'The host could not report its status.');
    }
    sendJson(res, status.healthy ? 200 : 503, status, headOnly);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug({ err: error.message }, 'upgrade socket error'));
    if (!policy) return refuseUpgrade(socket, 503, 'internal', 'Fish Mouth is still starting.');
    const check = policy.check({ host: req.headers.host, origin: req.headers.origin });
    if (!check.ok) {
      logger.warn({ host: req.headers.host, origin: req.headers.origin }, 'refused a WebSocket from a foreign host or origin');
      return refuseUpgrade(socket, check.status, check.kind, check.message);
    }
    const url = parseRequestUrl(req.url);
    if (url?.pathname !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404, 'not-found', `WebSockets are served at ${WEBSOCKET_PATH} only.`);
    if (!tokenMatches(presentedToken(req.headers.authorization, url), token)) {
      logger.warn({}, 'refused a WebSocket without a valid token');
      return refuseUpgrade(socket, 401, 'unauthorized', UNAUTHORIZED_MESSAGE);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const clientId = `browser-${++clientCounter}`;
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      ws.on('close', () => bridges.delete(ws));
      bridges.set(ws, new WebSocketBridge(ws, host, bridgeOptions, logger, clientId));
      logger.info({ client: clientId }, 'browser connected');
    });
  });

  // Note: a socket whose peer vanished (laptop lid closed, network gone) never sends a close frame;
  // only a missed pong reveals it, and its orchestrator link would otherwise live forever.
  const keepalive = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        logger.info({}, 'a browser stopped answering pings; dropping it');
        bridges.get(ws)?.close();
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, keepaliveMs);
  keepalive.unref();

  const port = await listen(server, options.port ?? 0, bindAddress).catch((error: unknown) => {
    clearInterval(keepalive);
    wss.close();
    throw error;
  });
  policy = new OriginPolicy(port, bindAddress);

  // On every interface, the loopback address is the one that surely works from this machine.
  const urlHost = isWildcardAddress(bindAddress) ? '127.0.0.1' : hostForUrl(bindAddress);
  const baseUrl = `http://${urlHost}:${port}/`;
  logger.info({ url: baseUrl, bindAddress }, 'headless server listening');

  let closing: Promise<void> | null = null;
  return {
    url: `${baseUrl}?token=${encodeURIComponent(token)}`,
    baseUrl,
    port,
    token,
    bindAddress,
    close: () => (closing ??= closeAll()),
  };

  async function closeAll(): Promise<void> {
    clearInterval(keepalive);
    const sockets = [...wss.clients];
    for (const ws of sockets) {
      bridges.get(ws)?.close();
      ws.close(CLOSE_GOING_AWAY, 'Fish Mouth is shutting down');
    }
    await waitForSocketsClosed(sockets, 1_000);
    wss.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    logger.info({}, 'headless server closed');
  }
}

const UNAUTHORIZED_MESSAGE = 'This needs the access token printed by `fishmouth serve`: open the full address it showed (…/?token=…).';

function listen(server: Server, port: number, bindAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(error, port, bindAddress));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: bindAddress });
  });
}

function listenError(error: NodeJS.ErrnoException, port: number, bindAddress: string): HeadlessServerError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new HeadlessServerError(
        'port-in-use',
        `Port ${port} on ${bindAddress} is already in use (another Fish Mouth, or another program). Choose another with --port N, or --port 0 for any free port.`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new HeadlessServerError('address-unavailable', `This machine has no address ${bindAddress} to listen on. Use --host 127.0.0.1, or an address of one of its network interfaces.`);
    case 'EACCES':
      return new HeadlessServerError('permission-denied', `Not allowed to listen on port ${port} (ports below 1024 need special rights). Choose a port above 1024 with --port N.`);
    default:
      return new HeadlessServerError('listen-failed', `Could not listen on ${bindAddress}:${port}: ${error.message}`);
  }
}

function waitForSocketsClosed(sockets: WebSocket[], graceMs: number): Promise<void> {
  const open = sockets.filter((ws) => ws.readyState !== ws.CLOSED);
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let remaining = open.length;
    const timer = setTimeout(() => {
      open.forEach((ws) => ws.terminate());
      resolve();
    }, graceMs);
    for (const ws of open) {
      ws.once('close', () => {
        if (--remaining === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(headOnly ? undefined : text);
}

function sendApiError(res: ServerResponse, status: number, kind: ApiErrorKind, message: string): void {
  sendJson(res, status, { error: { kind, message } });
}

function sendUnauthorized(res: ServerResponse): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="fishmouth"');
  sendApiError(res, 401, 'unauthorized', UNAUTHORIZED_MESSAGE);
}

function sendMethodNotAllowed(res: ServerResponse): void {
  res.setHeader('Allow', 'GET, HEAD');
  sendApiError(res, 405, 'method-not-allowed', 'Only GET and HEAD are served here.');
}

function refuseUpgrade(socket: Duplex, status: number, kind: ApiErrorKind, message: string): void {
  const body = JSON.stringify({ error: { kind, message } });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer realm="fishmouth"'] : []),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function readPage(rendererDir: string): string | null {
  try {
    return readFileSync(join(rendererDir, 'index.html'), 'utf8');
  } catch {
    return null;
  }
}

function parseRequestUrl(raw: string | undefined): URL | null {
  // Only origin-form targets ("/path?query"); an absolute or protocol-relative target is not ours.
  if (!raw || !raw.startsWith('/') || raw.startsWith('//')) return null;
  try {
    return new URL(raw, 'http://127.0.0.1');
  } catch {
    return null;
  }
}

/** Request URLs may carry the token; logs never do. */
function redactToken(url: string | undefined): string {
  return (url ?? '').replace(/([?&]token=)[^&]*/gi, '$1…');
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { planFault, type EmulatorFaults } from './faults';
import { htmlPage, notFound, textAnswer } from './respond';
import type { EmulatorRequest, EmulatorResponse, EmulatorRoute } from './route-types';
import { ALL_ROUTES } from './routes';
import type { World } from './world';

/**
 * ONE loopback HTTP server for every emulated source, each under its own path prefix
 * (/nominatim, /census-geocoder, …), answering from a World in the real services' formats.
 *
 *   startEmulators({ world, port?, routes?, log? }) → Promise<Emulators>
 *     .baseUrls            { sourceId: 'http://127.0.0.1:PORT/prefix' } for applyEmulatorBaseUrls
 *     .setFaults(source, faults | null)
 *     .requests(source)    what the source's emulator was asked (method, path, query, headers)
 *     .close()
 *
 * Listens on 127.0.0.1 only: the emulators are for tests and the demo, never for the network.
 * Logs nothing unless given `log`.
 */

export interface StartEmulatorsOptions {
  world: World;
  /** 0 (default) picks a free port. */
  port?: number;
  routes?: readonly EmulatorRoute[];
  log?: (line: string) => void;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
}

export interface Emulators {
  readonly url: string;
  readonly port: number;
  readonly baseUrls: Record<string, string>;
  setFaults(source: string, faults: EmulatorFaults | null): void;
  requests(source: string): readonly RecordedRequest[];
  close(): Promise<void>;
}

export { applyEmulatorBaseUrls, type AppliedBaseUrls } from './base-urls';
export type { EmulatorFaults, Fault, FaultKind } from './faults';

const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** Enough for any test to inspect; a long demo run must not grow without end. */
const MAX_RECORDED = 1000;

export async function startEmulators(options: StartEmulatorsOptions): Promise<Emulators> {
  const routes = [...(options.routes ?? ALL_ROUTES)].sort((a, b) => b.prefix.length - a.prefix.length);
  checkRoutes(routes);
  const faults = new Map<string, EmulatorFaults>();
  const recorded = new Map<string, RecordedRequest[]>(routes.map((route) => [route.source, []]));
  const log = options.log;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log?.(`emulator: ${req.method} ${req.url} failed: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) send(req, res, textAnswer('500 Internal Server Error\n', { status: 500 }));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes.find((candidate) => url.pathname === candidate.prefix || url.pathname.startsWith(`${candidate.prefix}/`));
    if (!route) return send(req, res, notFound(url.pathname));
    const headers = headerRecord(req);
    const log_ = recorded.get(route.source)!;
    log_.push({ method: req.method ?? 'GET', path: url.pathname.slice(route.prefix.length) || '/', query: url.search, headers });
    if (log_.length > MAX_RECORDED) log_.splice(0, log_.length - MAX_RECORDED);

    const body = await readRequestBody(req);
    if (body === null) return send(req, res, htmlPage(413, '413 Request Entity Too Large'));
    const state = faults.get(route.source);
    if (state?.latencyMs) await delay(state.latencyMs);
    const plan = planFault(state);
    if (plan.kind === 'hang') return; // the socket stays open until the client or close() ends it
    if (plan.kind === 'respond') return send(req, res, plan.response);
    const request: EmulatorRequest = { method: req.method ?? 'GET', path: url.pathname.slice(route.prefix.length) || '/', query: url.searchParams, headers, body };
    const answer = await route.handle(request, options.world);
    send(req, res, plan.kind === 'transform' ? plan.transform(answer) : answer);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  log?.(`emulators listening on ${url} (${routes.map((route) => route.source).join(', ')})`);

  return {
    url,
    port,
    baseUrls: Object.fromEntries(routes.map((route) => [route.source, `${url}${route.prefix}`])),
    setFaults(source, next) {
      if (!recorded.has(source)) throw new Error(`No emulator serves the source "${source}"; known: ${[...recorded.keys()].join(', ')}.`);
      if (next === null) faults.delete(source);
      else faults.set(source, { ...next });
    },
    requests(source) {
      return [...(recorded.get(source) ?? [])];
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging faults and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

function checkRoutes(routes: readonly EmulatorRoute[]): void {
  const seen = new Set<string>();
  for (const route of routes) {
    if (!/^\/[a-z0-9][a-z0-9/-]*[a-z0-9]$/.test(route.prefix)) throw new Error(`Emulator route ${route.source}: prefix "${route.prefix}" must look like /source-name.`);
    if (seen.has(route.prefix) || seen.has(route.source)) throw new Error(`Emulator route ${route.source}: prefix or source listed twice.`);
    seen.add(route.prefix).add(route.source);
  }
}

function send(req: IncomingMessage, res: ServerResponse, response: EmulatorResponse): void {
  let body = Buffer.isBuffer(response.body) ? response.body : Buffer.from(response.body, 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = value;
  if (response.gzip && /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''))) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
    headers.vary = 'Accept-Encoding';
  }
  headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function readRequestBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const bytes = chunk as Buffer;
    total += bytes.length;
    if (total > MAX_REQUEST_BYTES) return null;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

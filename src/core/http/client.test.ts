import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineSourcePolicy, type SourcePolicy } from '../cost/source-policy';
import { httpRequest, type HttpRequest } from './client';
import { ConnectorError, type ConnectorErrorKind } from './errors';

/** The client against a tiny loopback server whose answer each test sets. */

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
let attempts: number;
let seen: IncomingMessage[];

beforeAll(async () => {
  server = createServer((req, res) => {
    attempts += 1;
    seen.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  attempts = 0;
  seen = [];
});

function policy(overrides: Partial<SourcePolicy> = {}): SourcePolicy {
  return {
    ...defineSourcePolicy({
      id: 'test-source',
      name: 'Test Source',
      kind: 'free',
      baseUrl,
      userAgent: 'FishMouthTest/1.0 (tests)',
      rateLimit: { requestsPerSecond: 100, burst: 10 },
      dailyCap: null,
      price: null,
      licence: { name: 'test', storable: true, cacheable: true, cacheTtlMs: null, offlineUse: true, bulkDownload: true, attribution: null, url: null },
    }),
    ...overrides,
  };
}

const answer =
  (status: number, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Handler =>
  (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

async function failure(request: Partial<HttpRequest> = {}, source = policy()): Promise<ConnectorError> {
  try {
    await httpRequest(source, { path: '/data', expect: 'json', retries: 0, ...request });
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    const typed = error as ConnectorError;
    expect(typed.source).toBe('test-source');
    expect(typed.message).toContain('Test Source');
    return typed;
  }
  throw new Error('expected the request to fail');
}

async function expectKind(kind: ConnectorErrorKind, request: Partial<HttpRequest> = {}): Promise<ConnectorError> {
  const error = await failure(request);
  expect(error.kind).toBe(kind);
  return error;
}

describe('httpRequest: answers', () => {
  it('builds the address from the policy, sends its User-Agent and parses JSON', async () => {
    handler = answer(200, JSON.stringify({ ok: [1, 2] }));
    const response = await httpRequest(policy(), { path: '/search', query: { q: 'Main St & 1st', limit: 5, skip: undefined }, expect: 'json' });
    expect(response.body).toEqual({ ok: [1, 2] });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${baseUrl}/search?q=Main+St+%26+1st&limit=5`);
    expect(seen[0]!.headers['user-agent']).toBe('FishMouthTest/1.0 (tests)');
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('unpacks gzip, whether sent as Content-Encoding or as a .gz file', async () => {
    handler = answer(200, gzipSync('{"packed":true}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect((await httpRequest(policy(), { path: '/a', expect: 'json' })).body).toEqual({ packed: true });
    handler = answer(200, gzipSync('a,b\n1,2\n'), { 'content-type': 'text/csv' });
    expect((await httpRequest(policy(), { path: '/b.csv.gz', expect: 'text' })).body).toBe('a,b\n1,2\n');
  });

  it('decodes text by its charset and drops a byte-order mark', async () => {
    handler = answer(200, Buffer.from([0x43, 0x61, 0x66, 0xe9]), { 'content-type': 'text/plain; charset=ISO-8859-1' });
    expect((await httpRequest(policy(), { path: '/t', expect: 'text' })).body).toBe('Café');
    handler = answer(200, Buffer.from('\uFEFF{"a":1}', 'utf8'));
    expect((await httpRequest(policy(), { path: '/t', expect: 'json' })).body).toEqual({ a: 1 });
  });

  it('posts forms and multipart uploads', async () => {
    let received = '';
    handler = (req, res, body) => {
      received = `${req.headers['content-type']}\n${body}`;
      answer(200, '{}')(req, res, body);
    };
    await httpRequest(policy(), { path: '/i', form: { data: '[out:json];way;out;' }, expect: 'json' });
    expect(received).toContain('application/x-www-form-urlencoded');
    expect(received).toContain('data=%5Bout%3Ajson%5D%3Bway%3Bout%3B');
    await httpRequest(policy(), { path: '/b', multipart: { benchmark: 'Public_AR_Current', addressFile: { filename: 'a.csv', content: '1,2 Main St,X,TX,75001\n', contentType: 'text/csv' } }, expect: 'json' });
    expect(received).toContain('multipart/form-data; boundary=');
    expect(received).toContain('filename="a.csv"');
    expect(received).toContain('1,2 Main St,X,TX,75001');
  });

  it('returns bytes untouched', async () => {
    handler = answer(200, Buffer.from([0x89, 0x50, 0x4e, 0x47]), { 'content-type': 'image/png' });
    const response = await httpRequest(policy(), { path: '/img', expect: 'bytes', accept: ['image/*'] });
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect(response.bytes).toBe(4);
  });
});

describe('httpRequest: every failure is a typed error naming the source', () => {
  it('an HTML page served with 200 where JSON was expected, with its title', async () => {
    handler = answer(200, '<!DOCTYPE html><html><head><title>Down for maintenance</title></head><body>back soon</body></html>', { 'content-type': 'text/html' });
    const error = await expectKind('html-error-page');
    expect(error.message).toContain('Down for maintenance');
    expect(attempts).toBe(1);
  });

  it('an HTML page where CSV was expected, even labelled text/csv', async () => {
    handler = answer(200, '\n  <html><head><title>Login required</title></head></html>', { 'content-type': 'text/csv' });
    expect((await expectKind('html-error-page', { expect: 'text' })).message).toContain('Login required');
  });

  it('an HTML 502 from a proxy is an html-error-page with its status, and is retried', async () => {
    handler = answer(502, '<html><head><title>502 Bad Gateway</title></head></html>', { 'content-type': 'text/html' });
    const error = await expectKind('html-error-page', { retries: 1 });
    expect(error.status).toBe(502);
    expect(error.message).toContain('502 Bad Gateway');
    expect(attempts).toBe(2);
  });

  it('JSON cut off part-way is truncated; JSON wrong throughout is malformed', async () => {
    handler = answer(200, '{"elements":[{"type":"way","id":1},{"type":"no');
    await expectKind('truncated');
    handler = answer(200, '{"elements":[1,2]]}}');
    await expectKind('malformed-body');
    handler = answer(200, 'not json at all');
    await expectKind('malformed-body', { accept: ['application/json'] });
    handler = answer(200, '   ');
    await expectKind('malformed-body');
  });

  it('a content type the caller does not accept', async () => {
    handler = answer(200, '{"a":1}', { 'content-type': 'application/octet-stream' });
    const error = await expectKind('wrong-content-type');
    expect(error.message).toContain('application/octet-stream');
    handler = answer(200, 'a,b\n', { 'content-type': 'application/xml' });
    await expectKind('wrong-content-type', { expect: 'text', accept: ['text/csv', 'text/plain'] });
  });

  it('4xx is never retried: 400 and 404 are http-status, 401/403 refused-by-source', async () => {
    handler = answer(400, '{"error":{"code":400,"message":"Invalid bbox"}}');
    const bad = await expectKind('http-status', { retries: 3 });
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('Invalid bbox');
    expect(attempts).toBe(1);
    handler = answer(404, '<html><head><title>404 Not Found</title></head></html>', { 'content-type': 'text/html' });
    expect((await expectKind('http-status', { retries: 3 })).message).toContain('404 Not Found');
    handler = answer(403, 'Forbidden: invalid key', { 'content-type': 'text/plain' });
    expect((await expectKind('refused-by-source', { retries: 3 })).message).toContain('invalid key');
    expect(attempts).toBe(3);
  });

  it('5xx is retried up to the limit, then a server-error', async () => {
    handler = answer(503, 'Service Unavailable', { 'content-type': 'text/plain' });
    const error = await expectKind('server-error', { retries: 2 });
    expect(error.status).toBe(503);
    expect(attempts).toBe(3);
  });

  it('a dropped connection is not a success', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"elements":[');
      setTimeout(() => res.destroy(), 20);
    };
    await expectKind('truncated');
  });

  it('no server at the address is a network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure({}, policy({ baseUrl: `http://127.0.0.1:${port}` }));
    expect(error.kind).toBe('network');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('a source without an address, or turned off, is not-configured', async () => {
    expect((await failure({}, policy({ baseUrl: null }))).kind).toBe('not-configured');
    expect((await failure({}, policy({ enabled: false }))).kind).toBe('not-configured');
    expect(attempts).toBe(0);
  });
});

describe('httpRequest: Retry-After, timeouts, cancellation and size', () => {
  it('429 with Retry-After in seconds is honoured: the next attempt succeeds', async () => {
    handler = (req, res, body) => (attempts === 1 ? answer(429, 'slow down', { 'retry-after': '1', 'content-type': 'text/plain' }) : answer(200, '{"ok":true}'))(req, res, body);
    const response = await httpRequest(policy(), { path: '/x', expect: 'json', retries: 2 });
    expect(response.body).toEqual({ ok: true });
    expect(attempts).toBe(2);
  });

  it('429 with an HTTP-date Retry-After is honoured too', async () => {
    handler = (req, res, body) =>
      (attempts === 1 ? answer(429, '', { 'retry-after': new Date(Date.now() + 1000).toUTCString() }) : answer(200, '[]'))(req, res, body);
    await httpRequest(policy(), { path: '/x', expect: 'json', retries: 1 });
    expect(attempts).toBe(2);
  });

  it('a Retry-After beyond the retry bound ends the retries and reports how long to wait', async () => {
    handler = answer(429, 'slow down', { 'retry-after': '3600', 'content-type': 'text/plain' });
    const error = await expectKind('rate-limited', { retries: 5 });
    expect(attempts).toBe(1);
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBeGreaterThan(3_500_000);
    expect(error.message).toContain('3600 s');
  });

  it('a server that never answers times out', async () => {
    handler = () => undefined;
    const error = await expectKind('timeout', { timeoutMs: 200 });
    expect(error.message).toContain('0.2 s');
  });

  it("the caller's signal cancels a hanging request at once", async () => {
    handler = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    // The timeout (60 s) is far beyond the test's own limit: only the cancel can end this.
    const error = await expectKind('cancelled', { timeoutMs: 60_000, signal: controller.signal, retries: 3 });
    expect(error.message).toContain('cancelled');
  });

  it("the caller's signal cancels the wait between attempts", async () => {
    handler = answer(429, '', { 'retry-after': '20' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expectKind('cancelled', { signal: controller.signal, retries: 3 });
    expect(attempts).toBe(1);
  });

  it('an answer larger than maxBytes is refused, by Content-Length or while streaming', async () => {
    handler = answer(200, JSON.stringify({ data: 'x'.repeat(5000) }));
    expect((await expectKind('too-large', { maxBytes: 1000 })).message).toContain('1000 bytes');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 20; i++) res.write(`${'x'.repeat(1000)}`);
      res.end();
    };
    await expectKind('too-large', { maxBytes: 5000 });
    handler = answer(200, gzipSync(JSON.stringify({ data: 'y'.repeat(100_000) })), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    await expectKind('too-large', { maxBytes: 10_000 });
  });
});

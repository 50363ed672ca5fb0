import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** Sent with every response, page or API. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  // The page URL carries the access token; no Referer may ever leak it.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** A per-launch access token: 32 random bytes, URL-safe. */
export function createAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Compares a presented token with the expected one in constant time. Both are hashed first so
 * that `timingSafeEqual` always sees equal lengths and the length of the secret does not leak.
 */
export function tokenMatches(presented: string | null | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of a request: `Authorization: Bearer …` first, else the `token` query parameter. */
export function presentedToken(authorization: string | undefined, url: URL): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match?.[1]) return match[1];
  return url.searchParams.get('token');
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/** `::1` → `[::1]`, so that it can stand before `:port`. */
export function hostForUrl(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

export function isWildcardAddress(address: string): boolean {
  return WILDCARD_ADDRESSES.has(address);
}

export type RequestCheck = { ok: true } | { ok: false; status: 421 | 403; kind: 'forbidden-host' | 'forbidden-origin'; message: string };

/**
 * DNS-rebinding protection. A page on evil.example whose name is re-pointed at 127.0.0.1 reaches
 * this server with `Host: evil.example:PORT`; a page on any other origin sends its own `Origin`.
 * Both are refused. Only names that cannot be rebound are accepted: the loopback names, the
 * configured bind address and, when bound to every interface, any IP literal.
 */
export class OriginPolicy {
  private readonly hosts: Set<string>;

  constructor(
    private readonly port: number,
    private readonly bindAddress: string,
  ) {
    const names = isWildcardAddress(bindAddress) ? LOOPBACK_NAMES : [...LOOPBACK_NAMES, hostForUrl(bindAddress).toLowerCase()];
    this.hosts = new Set(names.map((name) => `${name}:${port}`));
    // Browsers leave the default port out of Host and Origin.
    if (port === 80) names.forEach((name) => this.hosts.add(name));
  }

  isAllowedHost(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const host = hostHeader.trim().toLowerCase();
    if (this.hosts.has(host)) return true;
    if (!isWildcardAddress(this.bindAddress)) return false;
    const match = /^(\[[0-9a-f:.]+\]|[0-9.]+)(?::(\d+))?$/.exec(host);
    const port = match?.[2] === undefined ? 80 : Number(match[2]);
    return !!match && port === this.port && isIP(match[1]!.replace(/^\[|\]$/g, '')) !== 0;
  }

  isAllowedOrigin(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false;
    }
    return parsed.protocol === 'http:' && parsed.origin === origin.toLowerCase() && this.isAllowedHost(parsed.host);
  }

  check(headers: { host?: string; origin?: string }): RequestCheck {
    if (!this.isAllowedHost(headers.host)) {
      return {
        ok: false,
        status: 421,
        kind: 'forbidden-host',
        message: `Fish Mouth only answers requests addressed to 127.0.0.1:${this.port} or localhost:${this.port} (got Host "${clip(headers.host)}"). Open the address the server printed.`,
      };
    }
    if (!this.isAllowedOrigin(headers.origin)) {
      return {
        ok: false,
        status: 403,
        kind: 'forbidden-origin',
        message: `Requests from other web sites are refused (Origin "${clip(headers.origin)}").`,
      };
    }
    return { ok: true };
  }
}

function clip(value: string | undefined): string {
  const text = value ?? '';
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

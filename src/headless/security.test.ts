import { describe, expect, it } from 'vitest';
import { DEFAULT_RENDERER_CSP, pagePolicyHeader } from '../core/renderer-page';
import { createAccessToken, OriginPolicy, presentedToken, tokenMatches } from './security';

describe('access tokens', () => {
  it('accepts only the exact token', () => {
    const token = createAccessToken();
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches(token.slice(1), token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
    expect(tokenMatches(null, token)).toBe(false);
  });

  it('reads the token from a Bearer header before the query', () => {
    const url = new URL('http://127.0.0.1:4317/api/ws?token=from-query');
    expect(presentedToken('Bearer from-header', url)).toBe('from-header');
    expect(presentedToken(undefined, url)).toBe('from-query');
    expect(presentedToken('Basic abc', new URL('http://127.0.0.1:4317/'))).toBeNull();
  });
});

describe('origin policy', () => {
  it('accepts the loopback names on its own port only', () => {
    const policy = new OriginPolicy(4317, '127.0.0.1');
    for (const host of ['127.0.0.1:4317', 'localhost:4317', 'LOCALHOST:4317', '[::1]:4317']) expect(policy.isAllowedHost(host), host).toBe(true);
    for (const host of ['127.0.0.1:4318', 'attacker.example:4317', '192.168.1.5:4317', '', undefined]) expect(policy.isAllowedHost(host), host).toBe(false);
  });

  it('accepts its own origin and no other', () => {
    const policy = new OriginPolicy(4317, '127.0.0.1');
    expect(policy.isAllowedOrigin(undefined)).toBe(true);
    expect(policy.isAllowedOrigin('http://127.0.0.1:4317')).toBe(true);
    expect(policy.isAllowedOrigin('http://localhost:4317')).toBe(true);
    for (const origin of ['null', 'http://attacker.example', 'https://127.0.0.1:4317', 'http://127.0.0.1:4318', 'http://127.0.0.1:4317/path', 'file://']) {
      expect(policy.isAllowedOrigin(origin), origin).toBe(false);
    }
  });

  it('accepts the configured address and, on every interface, any IP literal but never a name', () => {
    expect(new OriginPolicy(4317, '192.168.1.5').isAllowedHost('192.168.1.5:4317')).toBe(true);
    expect(new OriginPolicy(4317, '192.168.1.5').isAllowedHost('10.0.0.2:4317')).toBe(false);
    const everywhere = new OriginPolicy(4317, '0.0.0.0');
    expect(everywhere.isAllowedHost('10.0.0.2:4317')).toBe(true);
    expect(everywhere.isAllowedHost('[fe80::1]:4317')).toBe(true);
    expect(everywhere.isAllowedHost('nas.local:4317')).toBe(false);
    expect(everywhere.isAllowedHost('10.0.0.2:4318')).toBe(false);
  });

  it('understands that browsers omit port 80', () => {
    const policy = new OriginPolicy(80, '127.0.0.1');
    expect(policy.isAllowedHost('localhost')).toBe(true);
    expect(policy.isAllowedOrigin('http://127.0.0.1')).toBe(true);
    expect(new OriginPolicy(4317, '127.0.0.1').isAllowedHost('localhost')).toBe(false);
  });
});

describe('page policy header', () => {
  it("takes the page's meta policy and forbids framing", () => {
    expect(pagePolicyHeader(`<meta http-equiv="Content-Security-Policy" content="default-src 'self'; img-src data:;">`)).toBe(
      "default-src 'self'; img-src data:; frame-ancestors 'none'",
    );
    expect(pagePolicyHeader(`<META content='default-src "none"' HTTP-EQUIV='content-security-policy'>`)).toBe(`default-src "none"; frame-ancestors 'none'`);
    expect(pagePolicyHeader(`<meta http-equiv="Content-Security-Policy" content="default-src 'self'; frame-ancestors 'self'">`)).toBe(
      "default-src 'self'; frame-ancestors 'self'",
    );
  });

  it('falls back to the strict default when the page has no usable policy', () => {
    expect(pagePolicyHeader(null)).toBe(DEFAULT_RENDERER_CSP);
    expect(pagePolicyHeader('<title>no policy</title>')).toBe(DEFAULT_RENDERER_CSP);
    expect(pagePolicyHeader('<meta http-equiv="Content-Security-Policy" content="default-src \u00e9">')).toBe(DEFAULT_RENDERER_CSP);
  });
});

import { describe, expect, it } from 'vitest';
import { takeAccessToken, TOKEN_STORAGE_KEY, webSocketUrl, type PageEnvironment } from './access-token';

function page(href: string, stored: Record<string, string> = {}) {
  const storage = new Map(Object.entries(stored));
  const replaced: string[] = [];
  const env: PageEnvironment = {
    href,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) },
    replaceUrl: (url) => void replaced.push(url),
  };
  return { env, storage, replaced };
}

describe('the access token printed by fishmouth serve', () => {
  it('is taken out of the address bar and kept for this tab', () => {
    const { env, storage, replaced } = page('http://127.0.0.1:4000/?token=abc123#map');
    expect(takeAccessToken(env)).toBe('abc123');
    expect(replaced).toEqual(['/#map']);
    expect(storage.get(TOKEN_STORAGE_KEY)).toBe('abc123');
  });

  it('survives a reload of the tab', () => {
    const { env, replaced } = page('http://127.0.0.1:4000/', { [TOKEN_STORAGE_KEY]: 'abc123' });
    expect(takeAccessToken(env)).toBe('abc123');
    expect(replaced).toEqual([]);
  });

  it('is replaced by a newer link', () => {
    const { env } = page('http://127.0.0.1:4000/?token=new', { [TOKEN_STORAGE_KEY]: 'old' });
    expect(takeAccessToken(env)).toBe('new');
  });

  it('is absent when the page was opened without the link', () => {
    expect(takeAccessToken(page('http://127.0.0.1:4000/').env)).toBeNull();
  });

  it('goes to the WebSocket on the same origin', () => {
    expect(webSocketUrl('http://127.0.0.1:4000/', 'abc')).toBe('ws://127.0.0.1:4000/api/ws?token=abc');
    expect(webSocketUrl('https://fm.example.test/x/', null)).toBe('wss://fm.example.test/api/ws');
  });
});

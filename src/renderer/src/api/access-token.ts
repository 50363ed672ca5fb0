/*
 * The headless host prints `http://127.0.0.1:PORT/?token=TOKEN`. The token is needed for the
 * WebSocket, but it should not stay in the address bar (screenshots, shared screens, history), so
 * on first load it moves into sessionStorage: it survives reloads of this tab and dies with it.
 */

export const TOKEN_STORAGE_KEY = 'fishmouth.accessToken';
const TOKEN_PARAM = 'token';

/** The parts of `window` this needs, so the rule is testable without a DOM. */
export interface PageEnvironment {
  href: string;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  replaceUrl(url: string): void;
}

/** Returns the access token for this tab, taking it out of the visible URL if it is there. */
export function takeAccessToken(env: PageEnvironment): string | null {
  const url = new URL(env.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl !== null) {
    url.searchParams.delete(TOKEN_PARAM);
    env.replaceUrl(`${url.pathname}${url.search}${url.hash}`);
    if (fromUrl.length > 0) {
      env.storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
      return fromUrl;
    }
  }
  return env.storage.getItem(TOKEN_STORAGE_KEY);
}

/** The host's WebSocket endpoint on the page's own origin (ws: for http:, wss: for https:). */
export function webSocketUrl(pageHref: string, token: string | null): string {
  const url = new URL('/api/ws', pageHref);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set(TOKEN_PARAM, token);
  return url.href;
}

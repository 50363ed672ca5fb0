import { APP_ORIGIN } from './renderer-files';

/*
 * Which pages the window may show and which links may leave it. Pure, tested in Node
 * (window-policy.test.ts); src/main/security.ts applies it to every webContents.
 */

/** The origins our own pages come from: the app scheme, and the dev server under `npm run dev`. */
export function trustedOrigins(devServerUrl: string | undefined): Set<string> {
  const origins = new Set([APP_ORIGIN]);
  if (devServerUrl) {
    const dev = safeUrl(devServerUrl);
    if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:')) origins.add(dev.origin);
  }
  return origins;
}

/** Whether `url` is one of our own pages (used for navigation and for IPC sender checks). */
export function isTrustedPageUrl(url: string, origins: ReadonlySet<string>): boolean {
  const parsed = safeUrl(url);
  return parsed !== null && origins.has(originOf(parsed));
}

const MAX_EXTERNAL_URL_LENGTH = 2048;

/**
 * The URL to hand to the OS browser for a link the page tried to open, or null to drop it.
 * Only plain http(s) links with a host and no embedded credentials leave the app; `file:`,
 * `javascript:`, custom schemes and the like could start local programs.
 */
export function externalLinkTarget(url: string): string | null {
  if (url.length > MAX_EXTERNAL_URL_LENGTH) return null;
  const parsed = safeUrl(url);
  if (!parsed) return null;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (!parsed.hostname || parsed.username || parsed.password) return null;
  return parsed.href;
}

function safeUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** `URL.origin` is "null" for non-special schemes in Node; build it from the parts instead. */
function originOf(url: URL): string {
  return url.origin !== 'null' ? url.origin : `${url.protocol}//${url.host}`;
}

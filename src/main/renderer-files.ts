import * as nodePath from 'node:path';
import { contentTypeFor, pagePolicyHeader } from '../core/renderer-page';

/*
 * How the desktop window's pages are addressed and served. Pure: no Electron, no file system,
 * so the path-traversal rules are tested in Node (renderer-files.test.ts).
 */

/** A privileged, standard scheme: pages get a real origin (`app://fishmouth`) instead of file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'fishmouth';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;


export type RendererFileResolution =
  | { kind: 'file'; path: string; contentType: string }
  /** The request is not for our origin or tries to leave the renderer folder. */
  | { kind: 'forbidden'; reason: string };

/**
 * Maps an `app://fishmouth/...` URL to a file inside `rootDir`, or refuses it. The URL parser
 * already folds `..` and `%2e%2e` segments, but an encoded separator (`..%2F`, `..%5C`) only turns
 * into one after decoding, so the decoded path is resolved and checked to stay inside the root.
 * `path` is injectable so the Windows rules are tested on any OS.
 */
export function resolveRendererFile(rootDir: string, requestUrl: string, path: typeof nodePath = nodePath): RendererFileResolution {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'forbidden', reason: 'not a URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
    return { kind: 'forbidden', reason: `not on ${APP_ORIGIN}` };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return { kind: 'forbidden', reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) {
    return { kind: 'forbidden', reason: 'forbidden character in path' };
  }
  const relativePath = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const root = path.resolve(rootDir);
  const target = path.resolve(root, ...relativePath.split('/'));
  const fromRoot = path.relative(root, target);
  if (fromRoot === '' || fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
    return { kind: 'forbidden', reason: 'outside the renderer folder' };
  }
  return { kind: 'file', path: target, contentType: contentTypeFor(target) };
}

/**
 * The window enforces the page's own policy (the meta tag in src/renderer/index.html) as a
 * header, plus `frame-ancestors 'none'`: the headless host does the same, so the desktop window
 * and the browser run under one policy.
 */
export function windowContentSecurityPolicy(indexHtml: string | null): string {
  return pagePolicyHeader(indexHtml);
}

/** Headers for every response of the app scheme. */
export function rendererResponseHeaders(contentType: string, contentSecurityPolicy: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

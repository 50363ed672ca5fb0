import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, rendererResponseHeaders, resolveRendererFile, windowContentSecurityPolicy } from './renderer-files';

describe('app:// renderer files', () => {
  const root = '/opt/fishmouth/out/renderer';

  it('serves index.html for the entry URL and the bare origin', () => {
    expect(resolveRendererFile(root, APP_ENTRY_URL)).toEqual({ kind: 'file', path: `${root}/index.html`, contentType: 'text/html; charset=utf-8' });
    expect(resolveRendererFile(root, 'app://fishmouth/')).toMatchObject({ kind: 'file', path: `${root}/index.html` });
  });

  it('serves assets with their content type, ignoring query and hash', () => {
    expect(resolveRendererFile(root, 'app://fishmouth/assets/index-abc.js?v=1#x')).toEqual({
      kind: 'file',
      path: `${root}/assets/index-abc.js`,
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveRendererFile(root, 'app://fishmouth/assets/map%20style.css')).toMatchObject({ path: `${root}/assets/map style.css`, contentType: 'text/css; charset=utf-8' });
  });

  it.each([
    'app://fishmouth/..%2F..%2Fetc%2Fpasswd',
    'app://fishmouth/assets/..%2F..%2F..%2Fsecrets.json',
    'app://fishmouth/%2e%2e/%2e%2e/etc/passwd',
    'app://fishmouth/../../etc/passwd',
    'app://fishmouth/..%5C..%5Cwindows%5Cwin.ini',
    'app://fishmouth/index.html%00.png',
    'app://fishmouth/%E0%A4%A',
    'app://evil/index.html',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    const result = resolveRendererFile(root, url);
    if (result.kind === 'file') expect(result.path.startsWith(`${root}/`)).toBe(true);
    else expect(result.kind).toBe('forbidden');
  });

  it('never leaves the root on Windows either', () => {
    const winRoot = 'C:\\Program Files\\Fish Mouth\\resources\\app.asar\\out\\renderer';
    for (const url of ['app://fishmouth/..%5C..%5Csecrets.json', 'app://fishmouth/C:%2FWindows%2Fwin.ini', 'app://fishmouth/..%2F..%2Fx']) {
      const result = resolveRendererFile(winRoot, url, path.win32);
      if (result.kind === 'file') expect(result.path.startsWith(`${winRoot}\\`)).toBe(true);
      else expect(result.kind).toBe('forbidden');
    }
    expect(resolveRendererFile(winRoot, 'app://fishmouth/assets/a.js', path.win32)).toMatchObject({ kind: 'file', path: `${winRoot}\\assets\\a.js` });
  });

  it("enforces the page's own strict policy as a header, framing forbidden", () => {
    const page = readFileSync(new URL('../renderer/index.html', import.meta.url), 'utf8');
    const policy = windowContentSecurityPolicy(page);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/unsafe-eval|\*/);
    const headers = rendererResponseHeaders('text/html; charset=utf-8', policy);
    expect(headers['Content-Security-Policy']).toBe(policy);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });

  it('falls back to a strict default when the page has no policy', () => {
    expect(windowContentSecurityPolicy(null)).toContain("default-src 'self'");
  });
});

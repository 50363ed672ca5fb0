import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, RENDERER_CSP, rendererResponseHeaders, resolveRendererFile } from './renderer-files';

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

  it('sends the strict content security policy with every file', () => {
    const headers = rendererResponseHeaders('text/html; charset=utf-8');
    expect(headers['Content-Security-Policy']).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toContain('unsafe-eval');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });
});

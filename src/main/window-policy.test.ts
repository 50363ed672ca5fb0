import { describe, expect, it } from 'vitest';
import { externalLinkTarget, isTrustedPageUrl, trustedOrigins } from './window-policy';

describe('window navigation policy', () => {
  it('trusts only the app origin in a packaged app', () => {
    const origins = trustedOrigins(undefined);
    expect(isTrustedPageUrl('app://fishmouth/index.html', origins)).toBe(true);
    expect(isTrustedPageUrl('app://fishmouth/assets/x.js', origins)).toBe(true);
    expect(isTrustedPageUrl('app://evil/index.html', origins)).toBe(false);
    expect(isTrustedPageUrl('http://localhost:5173/', origins)).toBe(false);
    expect(isTrustedPageUrl('file:///etc/passwd', origins)).toBe(false);
    expect(isTrustedPageUrl('not a url', origins)).toBe(false);
  });

  it('also trusts the dev server origin under npm run dev, and only that port', () => {
    const origins = trustedOrigins('http://localhost:5173');
    expect(isTrustedPageUrl('http://localhost:5173/index.html', origins)).toBe(true);
    expect(isTrustedPageUrl('http://localhost:5174/', origins)).toBe(false);
    expect(isTrustedPageUrl('http://localhost.evil.example:5173/', origins)).toBe(false);
  });

  it('ignores a dev server URL that is not http(s)', () => {
    expect([...trustedOrigins('javascript:alert(1)')]).toEqual(['app://fishmouth']);
  });

  it('opens only plain web links in the OS browser', () => {
    expect(externalLinkTarget('https://www.openstreetmap.org/copyright')).toBe('https://www.openstreetmap.org/copyright');
    expect(externalLinkTarget('http://example.com/a b')).toBe('http://example.com/a%20b');
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'ms-msdt:/id',
      'https://user:pass@example.com/',
      'app://fishmouth/index.html',
      `https://example.com/${'a'.repeat(3000)}`,
      'not a url',
    ]) {
      expect(externalLinkTarget(url)).toBeNull();
    }
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/*
 * A sandboxed preload can load `electron` and nothing else: any other require() (zod, node:*)
 * throws when the window opens, and the page is left without its API. `npm test` builds first,
 * so this checks the bundle that ships.
 */
const bundle = new URL('../../out/preload/index.cjs', import.meta.url);
const built = existsSync(bundle);
if (!built) console.log('out/preload/index.cjs not built: run `npm run build` to check the preload bundle');

describe.skipIf(!built)('preload bundle', () => {
  it('requires nothing but electron, so it runs in the sandbox', () => {
    const code = readFileSync(bundle, 'utf8');
    const required = [...new Set([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]))];
    expect(required).toEqual(['electron']);
  });
});

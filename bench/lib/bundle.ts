import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

/**
 * Child processes of tests and benches must run the real TypeScript, and plain Node 20 cannot
 * load .ts files; so the parent bundles the child's entry (and everything it imports from src/)
 * into one .mjs first, as test/fixtures/store/bundle-store.ts does for the store alone.
 *
 *   bundleForChildren({ name: 'path/from/root.ts', … }, label) → { files: { name: '/abs/name.mjs' }, remove() }
 *   projectRoot()                                               → the checkout's folder
 *
 * Note: bundles are written under node_modules/.cache so that their bare imports (better-sqlite3,
 * zod, uuid) resolve to the project's node_modules, exactly as the built app's workers do.
 */

export interface ChildBundle<Name extends string> {
  files: Record<Name, string>;
  dir: string;
  remove(): void;
}

/** The folder holding Fish Mouth's package.json, found from this file whether bundled or not. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'fishmouth') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the Fish Mouth checkout (no package.json named "fishmouth" above this file).');
    dir = parent;
  }
}

export async function bundleForChildren<Name extends string>(entries: Record<Name, string>, label: string): Promise<ChildBundle<Name>> {
  const root = projectRoot();
  const dir = join(root, 'node_modules/.cache', `fishmouth-${label}`, `${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const input = Object.fromEntries(Object.entries<string>(entries).map(([name, path]) => [name, resolve(root, path)]));
  const build = await rolldown({ input, platform: 'node', external: (id) => !id.startsWith('.') && !isAbsolute(id), logLevel: 'silent' });
  try {
    await build.write({ dir, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' });
  } finally {
    await build.close();
  }
  const files = Object.fromEntries(Object.keys(entries).map((name) => [name, join(dir, `${name}.mjs`)])) as Record<Name, string>;
  return { files, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

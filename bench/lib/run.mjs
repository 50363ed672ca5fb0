// Runs a TypeScript bench with plain Node 20: bundles bench/<name>.ts (and everything it imports
// from src/) with rolldown into node_modules/.cache, then runs the bundle with the given
// arguments. The bench's stdout (one JSON document) and stderr pass straight through.
//   node bench/lib/run.mjs <name> [bench arguments]      e.g. node bench/lib/run.mjs budget
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [name, ...args] = process.argv.slice(2);
const entry = name ? join(root, 'bench', `${name}.ts`) : '';
if (!name || !/^[a-z0-9-]+$/.test(name) || !existsSync(entry)) {
  process.stderr.write(`Usage: node bench/lib/run.mjs <name> [arguments]  (runs bench/<name>.ts)\n`);
  process.exit(2);
}

// Note: under node_modules so the bundle's bare imports (better-sqlite3, zod) resolve as in the app.
const dir = join(root, 'node_modules/.cache/fishmouth-bench', `${name}-${process.pid}`);
mkdirSync(dir, { recursive: true });
const build = await rolldown({ input: { [name]: entry }, platform: 'node', external: (id) => !id.startsWith('.') && !isAbsolute(id), logLevel: 'silent' });
try {
  await build.write({ dir, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' });
} finally {
  await build.close();
}

const child = spawn(process.execPath, [join(dir, `${name}.mjs`), ...args], { stdio: 'inherit' });
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward).on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});

#!/usr/bin/env node
// Runs after every `npm install` / `npm ci`. package.json's allowScripts keeps electron's and
// onnxruntime-node's own install scripts from running, so this script does their useful part with
// a time limit and a readable outcome:
//   1. fetch the Electron binary (only the desktop window needs it; a failure is a notice, not an
//      error: everything else, including `npx fishmouth serve`, works without it);
//   2. fetch better-sqlite3 built for Electron into node_modules/.fishmouth-electron (the copy in
//      node_modules is built for Node and serves the tests and the headless host);
//   3. build the app (out/), so `npx fishmouth …` works right away. A build failure is a defect
//      and fails the install.
// onnxruntime-node's CPU binaries ship inside its npm package; its optional CUDA download stays off.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ELECTRON_DOWNLOAD_LIMIT_MS = 3 * 60_000;
const SQLITE_DOWNLOAD_LIMIT_MS = 2 * 60_000;

/** The Electron executable if its binary has been downloaded, else null. */
export function electronBinaryPath(root = projectRoot) {
  const pkgDir = join(root, 'node_modules', 'electron');
  try {
    const relative = readFileSync(join(pkgDir, 'path.txt'), 'utf8').trim();
    const binary = process.env.ELECTRON_OVERRIDE_DIST_PATH ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative) : join(pkgDir, 'dist', relative);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** Note: keep in step with `devSqliteBindingPath` in src/main/launch-options.ts. */
export function electronSqliteBindingPath(root, electronAbi) {
  return join(root, 'node_modules', '.fishmouth-electron', `better-sqlite3-abi${electronAbi}`, 'build', 'Release', 'better_sqlite3.node');
}

function notice(lines) {
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '─'.repeat(Math.min(width, 100));
  console.log(['', rule, ...lines, rule, ''].join('\n'));
}

/** The first meaningful line of a failed child's output, for a one-line reason. */
function firstErrorLine(result, limitMs) {
  if (result.error?.code === 'ETIMEDOUT') return `no answer within ${Math.round(limitMs / 60_000)} minutes`;
  if (result.error) return result.error.message;
  const text = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('at ') && !/^node:internal/.test(l));
  return (line ?? `exited with code ${result.status}`).slice(0, 200);
}

/** Step 1. Returns true when the Electron binary is present afterwards. */
export function ensureElectronBinary(root = projectRoot) {
  const installScript = join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installScript)) return false; // dev dependencies omitted: a headless install
  if (electronBinaryPath(root)) return true;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    notice([
      'fishmouth: Electron binary not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set).',
      'Everything except the desktop window works; run headless with `npx fishmouth serve`.',
      'To get the desktop app later: node node_modules/electron/install.js',
    ]);
    return false;
  }
  console.log('fishmouth: downloading the Electron binary for the desktop window…');
  const result = spawnSync(process.execPath, [installScript], {
    cwd: join(root, 'node_modules', 'electron'),
    encoding: 'utf8',
    timeout: ELECTRON_DOWNLOAD_LIMIT_MS,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status === 0 && electronBinaryPath(root)) return true;
  notice([
    'fishmouth: the desktop window needs the Electron binary, which could not be downloaded',
    `  (${firstErrorLine(result, ELECTRON_DOWNLOAD_LIMIT_MS)}).`,
    'Everything else works: run the app headless with `npx fishmouth serve` and open the printed link.',
    'Retry the download later with: node node_modules/electron/install.js',
  ]);
  return false;
}

/** Step 2. better-sqlite3 for Electron's ABI, fetched as a prebuilt binary beside node_modules. */
export function ensureElectronSqlite(root = projectRoot) {
  const electronPkg = join(root, 'node_modules', 'electron', 'package.json');
  const sqliteDir = join(root, 'node_modules', 'better-sqlite3');
  if (!existsSync(electronPkg) || !existsSync(sqliteDir)) return false;
  const abi = readFileSync(join(root, 'node_modules', 'electron', 'abi_version'), 'utf8').trim();
  const target = electronSqliteBindingPath(root, abi);
  if (existsSync(target)) return true;
  const electronVersion = JSON.parse(readFileSync(electronPkg, 'utf8')).version;
  let prebuildInstall;
  try {
    prebuildInstall = createRequire(join(sqliteDir, 'package.json')).resolve('prebuild-install/bin.js');
  } catch {
    prebuildInstall = null;
  }
  // prebuild-install reads the package's name and version from its working folder and unpacks
  // build/Release/better_sqlite3.node there, so it runs in a staging folder with a copy of them.
  const stagingDir = resolve(target, '..', '..', '..');
  mkdirSync(stagingDir, { recursive: true });
  copyFileSync(join(sqliteDir, 'package.json'), join(stagingDir, 'package.json'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(config|package)_/i.test(key)));
  const result = prebuildInstall
    ? spawnSync(
        process.execPath,
        [prebuildInstall, '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform],
        { cwd: stagingDir, env, encoding: 'utf8', timeout: SQLITE_DOWNLOAD_LIMIT_MS, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : { status: 1, stderr: 'prebuild-install is not installed' };
  if (result.status === 0 && existsSync(target)) return true;
  notice([
    `fishmouth: could not fetch better-sqlite3 built for Electron ${electronVersion}`,
    `  (${firstErrorLine(result, SQLITE_DOWNLOAD_LIMIT_MS)}).`,
    'The desktop window will not be able to open the database until it is fetched;',
    'the headless app (`npx fishmouth serve`) and the tests are not affected.',
    'Retry with: node scripts/postinstall.mjs',
  ]);
  return false;
}

/** Step 3. Returns the exit status to use. */
export function buildApp(root = projectRoot) {
  if (process.env.FISHMOUTH_SKIP_BUILD === '1') {
    console.log('fishmouth: FISHMOUTH_SKIP_BUILD=1, not building; run `npm run build` before using the app.');
    return 0;
  }
  const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  if (!existsSync(cli)) {
    console.log('fishmouth: build tools are not installed (dev dependencies omitted); skipping the build.');
    return 0;
  }
  console.log('fishmouth: building the app (out/)…');
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status === 0) return 0;
  console.error(
    `fishmouth: the build failed (${result.error?.message ?? `exit code ${result.status}`}). This is a defect: please report it with the output above.`,
  );
  return 1;
}

function main() {
  const hasElectron = ensureElectronBinary();
  if (hasElectron) ensureElectronSqlite();
  process.exitCode = buildApp();
}

// Run as a script (npm's postinstall), not when start.mjs imports the helpers. Compared by file name:
// URL or path comparisons trip over drive-letter case on Windows.
if (basename(process.argv[1] ?? '') === 'postinstall.mjs') main();

#!/usr/bin/env node
// `npm start`: opens the desktop app from this checkout. Arguments after `--` go to the app,
// e.g. `npm start -- --data ~/fishmouth-test`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, electronBinaryPath, ensureElectronSqlite, projectRoot } from './postinstall.mjs';

const BUILD_OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];

if (!electronBinaryPath()) {
  console.error(
    [
      'fishmouth: the Electron binary is not installed, so the desktop window cannot open.',
      '  Download it:      node node_modules/electron/install.js   (then `npm start` again)',
      '  Or run headless:  npx fishmouth serve                     (and open the printed link)',
    ].join('\n'),
  );
  process.exit(1);
}

if (BUILD_OUTPUTS.some((file) => !existsSync(join(projectRoot, file)))) {
  const status = buildApp();
  if (status !== 0) process.exit(status);
}

// Fetched by postinstall; tried again here in case the network was down then.
ensureElectronSqlite();

const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // would start Electron as plain Node, without a window
const electronCli = join(projectRoot, 'node_modules', 'electron', 'cli.js');
const version = JSON.parse(readFileSync(join(projectRoot, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
console.log(`fishmouth: starting the desktop app (Electron ${version})…`);
const child = spawn(process.execPath, [electronCli, projectRoot, ...process.argv.slice(2)], { cwd: projectRoot, env, stdio: 'inherit' });
// electron/cli.js forwards SIGINT and SIGTERM to Electron, which then stops the services.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

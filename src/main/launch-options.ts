import { existsSync } from 'node:fs';
import { join } from 'node:path';

/*
 * What the desktop app reads from its command line and surroundings before Electron is ready.
 * Pure apart from one existence check, tested in Node (launch-options.test.ts).
 */

export interface LaunchArgumentError {
  kind: 'bad-argument';
  message: string;
}

/**
 * The `--data DIR` (or `--data=DIR`) argument. Electron's argv also holds Chromium switches and,
 * in development, the app path, so unknown arguments are ignored rather than rejected.
 */
export function dataDirArgument(argv: readonly string[]): { dir: string | undefined } | LaunchArgumentError {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg.startsWith('--data=')) {
      const dir = arg.slice('--data='.length);
      if (!dir.trim()) return { kind: 'bad-argument', message: '--data needs a folder, e.g. --data ~/fishmouth-data' };
      return { dir };
    }
    if (arg === '--data') {
      const dir = argv[i + 1];
      if (dir === undefined || dir.startsWith('--') || !dir.trim()) {
        return { kind: 'bad-argument', message: '--data needs a folder, e.g. --data ~/fishmouth-data' };
      }
      return { dir };
    }
  }
  return { dir: undefined };
}

/**
 * Variables a service process must not inherit from whoever launched the app. NODE_OPTIONS could
 * load code into every service (`--require`) or open an inspector; ELECTRON_RUN_AS_NODE would make
 * Electron helpers behave as plain Node.
 */
const INHERITED_ENV_DENYLIST = new Set(['NODE_OPTIONS', 'ELECTRON_RUN_AS_NODE', 'ELECTRON_NO_ATTACH_CONSOLE', 'NODE_INSPECT_RESUME_ON_START']);

/** The environment of one service: the app's own, minus the denylist, plus what the host sets. */
export function serviceEnvironment(parentEnv: NodeJS.ProcessEnv, serviceEnv: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parentEnv)) {
    if (value !== undefined && !INHERITED_ENV_DENYLIST.has(key.toUpperCase())) env[key] = value;
  }
  return { ...env, ...serviceEnv };
}

/**
 * Where `npm install` (scripts/postinstall.mjs) puts better-sqlite3 built for Electron's ABI in a
 * development checkout. The project's own node_modules copy is built for Node (tests, headless
 * host), and Electron cannot load it. A packaged app needs none of this: electron-builder rebuilds
 * node_modules for Electron.
 * Note: keep in step with `electronSqliteBindingPath` in scripts/postinstall.mjs.
 */
export function devSqliteBindingPath(projectRoot: string, electronAbi: string): string {
  return join(projectRoot, 'node_modules', '.fishmouth-electron', `better-sqlite3-abi${electronAbi}`, 'build', 'Release', 'better_sqlite3.node');
}

/** The dev-checkout binding if it exists, for FISHMOUTH_SQLITE_BINDING. */
export function findDevSqliteBinding(projectRoot: string, electronAbi: string): string | undefined {
  const candidate = devSqliteBindingPath(projectRoot, electronAbi);
  return existsSync(candidate) ? candidate : undefined;
}

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const PRODUCT_NAME = 'Fish Mouth';

/**
 * Where Fish Mouth keeps its database, images, logs and keys: `--data DIR`, else
 * `FISHMOUTH_DATA`, else the OS user-data folder (the same folder Electron's
 * `app.getPath('userData')` gives for our product name, so desktop and headless share it).
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (flag && flag.trim()) return resolve(flag);
  if (env.FISHMOUTH_DATA && env.FISHMOUTH_DATA.trim()) return resolve(env.FISHMOUTH_DATA);
  return defaultUserDataDir(env, platform);
}

export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME || env.USERPROFILE || homedir();
  switch (platform) {
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return join(home, 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME);
  }
}

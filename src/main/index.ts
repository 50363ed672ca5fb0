import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, MessageChannelMain, session, utilityProcess } from 'electron';
import { PRODUCT_NAME, resolveDataDir } from '../core/data-dir';
import { FishMouthHost } from '../core/host/host';
import { createLogger, type Logger } from '../core/log';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { dataDirArgument, findDevSqliteBinding } from './launch-options';
import { createMainWindow } from './main-window';
import { showBudgetAlertNotifications } from './notifications';
import { unlockDesktopSecrets } from './secrets';
import { APP_ENTRY_URL } from './renderer-files';
import { denyAllPermissions, guardAllWebContents } from './security';
import { createUtilityProcessAdapter } from './utility-process-adapter';
import { trustedOrigins } from './window-policy';

/*
 * The desktop app's main process, kept thin: it decides where data lives, starts the shared host
 * with Electron utility processes, and shows one hardened window. Everything else (services,
 * supervision, store) is the same code the headless host runs.
 */

/** out/main: holds this file and workers/<service>.js. */
const mainDir = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(mainDir, '..', '..');
const STOP_LIMIT_MS = 10_000;

registerAppScheme();

const dataArgument = dataDirArgument(process.argv);
if ('kind' in dataArgument) {
  console.error(`Fish Mouth: ${dataArgument.message}`);
  process.exit(2);
}
// The OS user-data folder under the product name, as the headless host uses (src/core/data-dir).
const dataDir =
  dataArgument.dir || process.env.FISHMOUTH_DATA?.trim()
    ? resolveDataDir(dataArgument.dir, process.env)
    : join(app.getPath('appData'), PRODUCT_NAME);
mkdirSync(dataDir, { recursive: true });
app.setName(PRODUCT_NAME);
// Before the single-instance lock: the lock is per user-data folder, so two data folders may run.
app.setPath('userData', dataDir);
app.setPath('sessionData', join(dataDir, 'electron'));

if (!app.isPackaged) {
  // A development checkout's better-sqlite3 is built for Node; see launch-options.ts.
  const binding = findDevSqliteBinding(projectRoot, process.versions.modules);
  if (binding) process.env.FISHMOUTH_SQLITE_BINDING = binding;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main().catch((error: Error) => {
    dialog.showErrorBox('Fish Mouth could not start', `${error.message}\n\nData folder: ${dataDir}`);
    app.exit(1);
  });
}

async function main(): Promise<void> {
  await app.whenReady();
  const log = await createLogger({ dataDir, name: 'main', level: 'info' });
  log.info({ dataDir, version: app.getVersion(), electron: process.versions.electron }, 'desktop app starting');

  const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const origins = trustedOrigins(devServerUrl);
  denyAllPermissions(session.defaultSession, log);
  guardAllWebContents(origins, log);
  serveRenderer(join(mainDir, '..', 'renderer'), (url, reason) => log.warn({ url, reason }, 'refused an app:// request'));

  // The master key for API keys, opened with the OS keychain; only its outcome is logged.
  const secrets = unlockDesktopSecrets(dataDir);
  if (secrets.unlock.kind === 'locked') log.warn({ reason: secrets.unlock.reason }, 'API keys are unavailable');
  else log.info({ created: secrets.created }, 'API keys unlocked');

  const host = new FishMouthHost({
    spawn: createUtilityProcessAdapter(
      {
        fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
        createChannel: () => {
          const { port1, port2 } = new MessageChannelMain();
          return [port1, port2];
        },
      },
      { log },
    ),
    dataDir,
    mode: 'desktop',
    workersDir: mainDir,
    version: app.getVersion(),
    secrets: secrets.unlock,
  });

  const iconPath = join(projectRoot, 'resources', 'icon.png');
  const openWindow = () =>
    createMainWindow({
      preloadPath: join(mainDir, '..', 'preload', 'index.cjs'),
      startUrl: devServerUrl ?? APP_ENTRY_URL,
      trustedOrigins: origins,
      iconPath: process.platform === 'linux' && existsSync(iconPath) ? iconPath : undefined,
      connectClient: (onPort) => host.connectClient(onPort),
      log,
    });

  stopHostBeforeQuit(host, log);
  const stopNotifications = showBudgetAlertNotifications({ connectClient: (onPort) => host.connectClient(onPort), log, onClick: () => focus(BrowserWindow.getAllWindows()[0]) });
  app.on('will-quit', stopNotifications);
  app.on('second-instance', () => focus(BrowserWindow.getAllWindows()[0]));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  // The window opens at once and shows the services as they come up; its link to the
  // orchestrator is made as soon as the orchestrator is ready.
  openWindow();
  try {
    await host.start();
  } catch (error) {
    log.error({ err: (error as Error).message }, 'not every service started');
    dialog.showErrorBox(
      'Some Fish Mouth services did not start',
      `${(error as Error).message}\n\nThe status panel shows which ones. Logs: ${join(dataDir, 'logs')}`,
    );
  }
}

/** Quitting waits for every service to stop, so no utility process outlives the app. */
function stopHostBeforeQuit(host: FishMouthHost, log: Logger): void {
  let phase: 'running' | 'stopping' | 'stopped' = 'running';
  app.on('before-quit', (event) => {
    if (phase === 'stopped') return;
    event.preventDefault();
    if (phase === 'stopping') return;
    phase = 'stopping';
    const limit = new Promise<void>((resolveLimit) => setTimeout(resolveLimit, STOP_LIMIT_MS).unref());
    void Promise.race([host.stop(), limit])
      .catch((error: Error) => log.error({ err: error.message }, 'stopping the services failed'))
      .then(() => log.info({}, 'desktop app quitting'))
      .then(() => log.flushAndClose())
      .catch(() => undefined) // the log file is the last thing to go; nothing left to tell
      .finally(() => {
        phase = 'stopped';
        app.quit();
      });
  });
}

function focus(win: BrowserWindow | undefined): void {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

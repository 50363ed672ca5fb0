import { BrowserWindow, type IpcMainInvokeEvent, type MessagePortMain } from 'electron';
import { z } from 'zod';
import type { RawPort } from '../core/host/spawn';
import { isTrustedPageUrl } from './window-policy';

/** Preload → main: "give this page a link to the orchestrator" (on load and after a reload). */
export const REQUEST_PORT_CHANNEL = 'fishmouth:request-port';
/** Main → preload: a fresh MessagePort to the orchestrator (again after each orchestrator restart). */
export const PORT_CHANNEL = 'fishmouth:port';

/** The request carries nothing; anything else is not from our preload. */
const requestPortArgsSchema = z.tuple([]);

export interface MainWindowLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface MainWindowOptions {
  preloadPath: string;
  /** app://fishmouth/index.html, or the dev server under `npm run dev`. */
  startUrl: string;
  trustedOrigins: ReadonlySet<string>;
  iconPath?: string;
  /** `host.connectClient`: calls back with a port now and after each orchestrator restart. */
  connectClient(onPort: (port: RawPort) => void): () => void;
  log: MainWindowLog;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    title: 'Fish Mouth',
    width: 1360,
    height: 860,
    minWidth: 800,
    minHeight: 520,
    show: false,
    backgroundColor: '#0f1720',
    icon: options.iconPath,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
    },
  });
  win.once('ready-to-show', () => win.show());

  // One link per page load: a reload makes a new page that asks again, and the old link is let go.
  let disconnect: (() => void) | null = null;
  const release = () => {
    disconnect?.();
    disconnect = null;
  };

  win.webContents.ipc.handle(REQUEST_PORT_CHANNEL, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isTrustedPageUrl(frame.url, options.trustedOrigins)) {
      options.log.warn({ url: frame?.url ?? null }, 'refused a port request from a frame that is not our page');
      throw new Error('Only the Fish Mouth page may ask for a link to its services.');
    }
    if (!requestPortArgsSchema.safeParse(args).success) {
      options.log.warn({}, 'refused a malformed port request');
      throw new Error('Malformed request for a link to the services.');
    }
    release();
    disconnect = options.connectClient((port) => {
      if (win.isDestroyed()) {
        (port as MessagePortMain).close();
        return;
      }
      win.webContents.postMessage(PORT_CHANNEL, null, [port as MessagePortMain]);
    });
    return { ok: true as const };
  });

  win.webContents.on('render-process-gone', (_event, details) => {
    options.log.warn({ reason: details.reason, exitCode: details.exitCode }, 'the window content process ended');
    release();
  });
  win.on('closed', release);

  void win.loadURL(options.startUrl).catch((error: Error) => options.log.warn({ err: error.message, url: options.startUrl }, 'the window could not load its page'));
  return win;
}

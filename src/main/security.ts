import { app, shell, type Session, type WebContents } from 'electron';
import { externalLinkTarget, isTrustedPageUrl } from './window-policy';

export interface SecurityLog {
  warn(details: Record<string, unknown>, message: string): void;
}

/**
 * The app needs no browser permission (camera, location, notifications, clipboard reads, USB,
 * …): the map and the services work without them, so every request and check is refused.
 */
export function denyAllPermissions(session: Session, log: SecurityLog): void {
  session.setPermissionRequestHandler((contents, permission, callback) => {
    log.warn({ permission, url: contents.getURL() }, 'refused a permission request');
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/**
 * Applied to every webContents the app ever creates (windows, devtools, anything a page might
 * spawn): no <webview>, no new windows, no navigation away from our own pages. Plain web links
 * the page asks to open go to the OS browser instead.
 */
export function guardAllWebContents(trustedOrigins: ReadonlySet<string>, log: SecurityLog): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, trustedOrigins, log));
}

function guardWebContents(contents: WebContents, trustedOrigins: ReadonlySet<string>, log: SecurityLog): void {
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn({}, 'refused to attach a <webview>');
  });

  contents.setWindowOpenHandler(({ url }) => {
    openInBrowser(url, log);
    return { action: 'deny' };
  });

  contents.on('will-frame-navigate', (event) => {
    if (isTrustedPageUrl(event.url, trustedOrigins)) return;
    event.preventDefault();
    if (event.isMainFrame) openInBrowser(event.url, log);
    else log.warn({ url: event.url }, 'blocked a frame navigation away from the app');
  });

  contents.on('will-redirect', (event) => {
    if (isTrustedPageUrl(event.url, trustedOrigins)) return;
    event.preventDefault();
    log.warn({ url: event.url }, 'blocked a redirect away from the app');
  });
}

function openInBrowser(url: string, log: SecurityLog): void {
  const target = externalLinkTarget(url);
  if (!target) {
    log.warn({ url: url.slice(0, 200) }, 'refused to open a link that is not a plain web address');
    return;
  }
  shell.openExternal(target).catch((error: Error) => log.warn({ url: target, err: error.message }, 'the OS could not open a link'));
}

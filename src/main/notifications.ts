import { Notification } from 'electron';
import { orchestratorApiContract } from '../core/contracts/orchestrator-api';
import { budgetAlertNotice } from '../core/cost/alert-text';
import type { BudgetAlert } from '../core/cost/spend-schemas';
import type { RawPort } from '../core/host/spawn';
import { LinkedClient } from '../core/rpc/linked-client';
import { portTransport } from '../core/rpc/node-transports';
import { RpcPeer } from '../core/rpc/peer';

export interface BudgetNotificationOptions {
  /** `host.connectClient`: a port to the orchestrator now and after each orchestrator restart. */
  connectClient(onPort: (port: RawPort) => void): () => void;
  log: { info(details: Record<string, unknown>, message: string): void; warn(details: Record<string, unknown>, message: string): void };
  /** Clicking a notification brings the app forward. */
  onClick(): void;
}

/**
 * Desktop notifications for budget alerts. The main process is one more client of the
 * orchestrator, exactly as a window is (its own port, re-made after a restart), and shows each
 * `budget.alert` it pushes; the orchestrator pushes every alert once. The words come from
 * budgetAlertNotice, shared with the page's toasts. Returns the disconnect.
 */
export function showBudgetAlertNotifications(options: BudgetNotificationOptions): () => void {
  if (!Notification.isSupported()) {
    options.log.warn({}, 'desktop notifications are not supported here; budget alerts show in the window only');
    return () => undefined;
  }
  const client = new LinkedClient(orchestratorApiContract, { remoteName: 'the orchestrator' });
  let current: RpcPeer | null = null;
  // Held until dismissed or replaced, so the OS does not drop them when garbage-collected.
  const shown = new Set<Notification>();

  client.on('budget.alert', (alert) => show(alert));
  const disconnect = options.connectClient((port) => {
    const previous = current;
    current = new RpcPeer(portTransport(port), {
      remoteName: 'the orchestrator',
      onProtocolError: (message) => options.log.warn({}, `budget notifications: ${message}`),
    });
    client.attach(current);
    previous?.close('replaced by a new link to the orchestrator');
  });

  function show(alert: BudgetAlert): void {
    const notice = budgetAlertNotice(alert);
    const notification = new Notification({ title: notice.title, body: notice.body, urgency: notice.urgent ? 'critical' : 'normal' });
    shown.add(notification);
    const forget = () => shown.delete(notification);
    notification.on('click', () => {
      forget();
      options.onClick();
    });
    notification.on('close', forget);
    notification.show();
    options.log.info({ day: alert.day, pool: alert.pool, thresholdPercent: alert.thresholdPercent }, 'budget alert notified');
  }

  return () => {
    disconnect();
    current?.close('the app is quitting');
    current = null;
    shown.clear();
  };
}

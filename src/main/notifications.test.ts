import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { orchestratorApiContract } from '../core/contracts/orchestrator-api';
import type { BudgetAlert } from '../core/cost/spend-schemas';
import type { Micros } from '../core/money';
import { portTransport } from '../core/rpc/node-transports';
import { RpcPeer } from '../core/rpc/peer';

/** Electron's Notification, recorded instead of shown. */
const shown = vi.hoisted(() => [] as Array<{ title: string; body: string; urgency?: string }>);
vi.mock('electron', () => ({
  Notification: class {
    static isSupported = () => true;
    constructor(private readonly options: { title: string; body: string; urgency?: string }) {}
    on() {
      return this;
    }
    show() {
      shown.push(this.options);
    }
  },
}));
const { showBudgetAlertNotifications } = await import('./notifications');

const log = { info: () => undefined, warn: () => undefined };
const alert = (thresholdPercent: 50 | 80 | 100): BudgetAlert => ({
  day: '2025-06-02',
  pool: 'daily',
  thresholdPercent,
  at: '2025-06-02T15:00:00.000Z',
  spentMicros: (thresholdPercent * 10_000) as Micros,
  limitMicros: 1_000_000 as Micros,
  message: 'ignored: the notice has its own words',
});

/** Stands in for the host: hands over one port per "orchestrator", as connectClient does. */
function fakeHost() {
  let onPort: ((port: unknown) => void) | null = null;
  return {
    connectClient: (handler: (port: unknown) => void) => {
      onPort = handler;
      return () => (onPort = null);
    },
    /** A (re)started orchestrator: a fresh port, served on our side. */
    orchestrator(): RpcPeer {
      const { port1, port2 } = new MessageChannel();
      const server = new RpcPeer(portTransport(port2), { remoteName: 'the main process' });
      onPort?.(port1);
      return server;
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

afterEach(() => {
  shown.length = 0;
});

describe('budget alert notifications', () => {
  it('shows each pushed alert as a desktop notification, urgent once the budget is used up', async () => {
    const host = fakeHost();
    const stop = showBudgetAlertNotifications({ connectClient: host.connectClient as never, log, onClick: () => undefined });
    const orchestrator = host.orchestrator();
    orchestrator.emit(orchestratorApiContract, 'budget.alert', alert(50));
    await until(() => shown.length === 1);
    expect(shown[0]).toEqual({
      title: 'Daily data budget: 50% used',
      body: '$0.50 of $1.00 spent today. Paid imagery and data keep running until the budget is used up.',
      urgency: 'normal',
    });

    // The orchestrator restarts: the new link carries on, the old one is let go.
    const restarted = host.orchestrator();
    restarted.emit(orchestratorApiContract, 'budget.alert', alert(100));
    await until(() => shown.length === 2);
    expect(shown[1]).toMatchObject({ title: 'Daily data budget used up', urgency: 'critical' });
    stop();
    orchestrator.close();
    restarted.close();
  });
});

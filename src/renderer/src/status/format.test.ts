import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES, type HostStatus, type ServiceStatus } from '../../../core/contracts/services';
import {
  describeLastExit,
  formatMemory,
  formatRelative,
  linkView,
  orderServices,
  progressFraction,
  stateTone,
  summariseHealth,
} from './format';

function service(name: ServiceStatus['name'], state: ServiceStatus['state'] = 'ready'): ServiceStatus {
  return {
    name,
    state,
    runtime: 'worker-thread',
    pid: 100,
    restarts: 0,
    recentCrashes: 0,
    startedAt: null,
    readyAt: null,
    memoryBytes: null,
    lastExit: null,
    nextRestartAt: null,
    circuitOpenUntil: null,
  };
}

function host(states: Partial<Record<ServiceStatus['name'], ServiceStatus['state']>> = {}): HostStatus {
  const services = SERVICE_NAMES.map((name) => service(name, states[name] ?? 'ready'));
  return {
    app: 'fishmouth',
    version: '0.1.0',
    mode: 'headless',
    startedAt: '2025-01-01T00:00:00.000Z',
    dataDir: '/data',
    healthy: services.every((s) => s.state === 'ready'),
    services,
  };
}

describe('service state badges', () => {
  it('are green when ready, amber while coming up, red with the circuit open, grey when stopped', () => {
    expect(stateTone('ready')).toBe('ok');
    expect(stateTone('starting')).toBe('pending');
    expect(stateTone('restarting')).toBe('pending');
    expect(stateTone('circuit-open')).toBe('failed');
    expect(stateTone('stopped')).toBe('off');
  });
});

describe('formatMemory', () => {
  it('reads like a task manager', () => {
    expect(formatMemory(null)).toBe('—');
    expect(formatMemory(512 * 1024)).toBe('512 KB');
    expect(formatMemory(48.25 * 1024 * 1024)).toBe('48.3 MB');
    expect(formatMemory(300 * 1024 * 1024)).toBe('300 MB');
    expect(formatMemory(1.5 * 1024 * 1024 * 1024)).toBe('1.50 GB');
  });
});

describe('times', () => {
  const now = Date.parse('2025-01-01T12:00:00.000Z');
  it('says when something happens relative to now', () => {
    expect(formatRelative('2025-01-01T12:00:02.000Z', now)).toBe('in 2 s');
    expect(formatRelative('2025-01-01T11:57:00.000Z', now)).toBe('3 min ago');
    expect(formatRelative(null, now)).toBeNull();
  });

  it('describes how a service last ended', () => {
    expect(describeLastExit({ at: '2025-01-01T11:59:50.000Z', code: 1, reason: 'worker crashed' }, now)).toBe(
      'Exit code 1: worker crashed (10 s ago)',
    );
    expect(describeLastExit({ at: '2025-01-01T11:59:50.000Z', code: null, reason: 'killed by SIGKILL' }, now)).toBe(
      'Ended: killed by SIGKILL (10 s ago)',
    );
    expect(describeLastExit(null, now)).toBeNull();
  });
});

describe('overall health', () => {
  it('is green only when the link is up and every service is ready', () => {
    expect(summariseHealth(host(), 'connected')).toEqual({ tone: 'ok', text: 'All 6 services ready' });
  });

  it('never shows a stale green while the orchestrator link is down', () => {
    expect(summariseHealth(host(), 'reconnecting')).toEqual({ tone: 'pending', text: 'Reconnecting to the orchestrator…' });
    expect(summariseHealth(undefined, 'connecting').tone).toBe('pending');
  });

  it('calls out services whose circuit opened', () => {
    expect(summariseHealth(host({ 'ml-inference': 'circuit-open' }), 'connected')).toEqual({
      tone: 'failed',
      text: '1 service stopped after repeated crashes',
    });
    expect(summariseHealth(host({ scraper: 'restarting' }), 'connected')).toEqual({ tone: 'pending', text: '5 of 6 services ready' });
  });

  it('tells a refused page apart from a lost link', () => {
    expect(linkView('disconnected', true, false)).toBe('reconnecting');
    expect(linkView('connecting', false, false)).toBe('connecting');
    expect(linkView('disconnected', false, true)).toBe('access-denied');
    expect(summariseHealth(undefined, 'access-denied').tone).toBe('failed');
  });
});

describe('service order and progress', () => {
  it('lists services in start order whatever order they arrive in', () => {
    const shuffled = [...SERVICE_NAMES].reverse().map((name) => service(name));
    expect(orderServices(shuffled).map((s) => s.name)).toEqual([...SERVICE_NAMES]);
  });

  it('shows an indeterminate bar until the total is known', () => {
    expect(progressFraction(null)).toBeNull();
    expect(progressFraction({ done: 2, total: null })).toBeNull();
    expect(progressFraction({ done: 3, total: 6 })).toBe(0.5);
  });
});

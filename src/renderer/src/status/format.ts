import type { ConnectionState } from '../../../core/rpc/linked-client';
import type { Progress } from '../../../core/rpc/protocol';
import {
  SERVICE_LABELS,
  SERVICE_NAMES,
  type HostStatus,
  type ServiceName,
  type ServiceState,
  type ServiceStatus,
} from '../../../core/contracts/services';

/*
 * Pure presentation rules for the status panel: what colour a state gets, how memory and times
 * read, and what the header says about overall health. No React, no DOM: tested in Node.
 */

/** The badge colour family: green, amber, red, grey. */
export type Tone = 'ok' | 'pending' | 'failed' | 'off';

const STATE_TONES: Record<ServiceState, Tone> = {
  ready: 'ok',
  starting: 'pending',
  restarting: 'pending',
  'circuit-open': 'failed',
  stopping: 'off',
  stopped: 'off',
};

const STATE_LABELS: Record<ServiceState, string> = {
  ready: 'Ready',
  starting: 'Starting',
  restarting: 'Restarting',
  'circuit-open': 'Circuit open',
  stopping: 'Stopping',
  stopped: 'Stopped',
};

export function stateTone(state: ServiceState): Tone {
  return STATE_TONES[state];
}

export function stateLabel(state: ServiceState): string {
  return STATE_LABELS[state];
}

export function serviceLabel(name: ServiceName): string {
  return SERVICE_LABELS[name];
}

const MiB = 1024 * 1024;

/** Memory as people read it in a task manager: binary megabytes, one decimal below 100 MB. */
export function formatMemory(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < MiB) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  const mb = bytes / MiB;
  if (mb < 100) return `${mb.toFixed(1)} MB`;
  if (mb < 1024) return `${Math.round(mb)} MB`;
  return `${(mb / 1024).toFixed(2)} GB`;
}

export function formatRoundTrip(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "in 2 s", "3 min ago": for restart and circuit times relative to `now`. */
export function formatRelative(iso: string | null, now: number): string | null {
  if (!iso) return null;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return null;
  const seconds = Math.round((at - now) / 1000);
  const size = Math.abs(seconds);
  const amount = size < 60 ? `${size} s` : size < 3600 ? `${Math.round(size / 60)} min` : `${Math.round(size / 3600)} h`;
  if (size === 0) return 'now';
  return seconds > 0 ? `in ${amount}` : `${amount} ago`;
}

/** One line about how a service last ended, e.g. "Exit code 1: worker crashed (2 min ago)". */
export function describeLastExit(lastExit: ServiceStatus['lastExit'], now: number): string | null {
  if (!lastExit) return null;
  const code = lastExit.code === null ? 'Ended' : `Exit code ${lastExit.code}`;
  const when = formatRelative(lastExit.at, now);
  return `${code}: ${lastExit.reason}${when ? ` (${when})` : ''}`;
}

/** The six services in start order, whatever order the host sent them in. */
export function orderServices(services: readonly ServiceStatus[]): ServiceStatus[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  return SERVICE_NAMES.flatMap((name) => {
    const status = byName.get(name);
    return status ? [status] : [];
  });
}

/** What the page knows about its link to the orchestrator, as the header shows it. */
export type LinkView = 'connecting' | 'connected' | 'reconnecting' | 'access-denied';

export function linkView(connection: ConnectionState, everConnected: boolean, accessDenied: boolean): LinkView {
  if (accessDenied) return 'access-denied';
  if (connection === 'connected') return 'connected';
  return everConnected ? 'reconnecting' : 'connecting';
}

const LINK_LABELS: Record<LinkView, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  'access-denied': 'Access denied',
};

export function linkLabel(view: LinkView): string {
  return LINK_LABELS[view];
}

export interface HealthSummary {
  tone: Tone;
  text: string;
}

/** The one-line verdict under the header. Never green unless the link is up and the host agrees. */
export function summariseHealth(status: HostStatus | undefined, link: LinkView): HealthSummary {
  if (link === 'access-denied') return { tone: 'failed', text: 'No access to the Fish Mouth host' };
  if (link !== 'connected') {
    return { tone: 'pending', text: link === 'connecting' ? 'Connecting to the orchestrator…' : 'Reconnecting to the orchestrator…' };
  }
  if (!status) return { tone: 'pending', text: 'Loading service status…' };
  const services = status.services;
  const ready = services.filter((s) => s.state === 'ready').length;
  const broken = services.filter((s) => s.state === 'circuit-open').length;
  if (status.healthy && ready === services.length) return { tone: 'ok', text: `All ${services.length} services ready` };
  if (broken > 0) {
    return { tone: 'failed', text: `${broken} service${broken === 1 ? '' : 's'} stopped after repeated crashes` };
  }
  return { tone: 'pending', text: `${ready} of ${services.length} services ready` };
}

/** Fraction done for a progress bar, or null when the total is not known yet. */
export function progressFraction(progress: Progress | null): number | null {
  if (!progress || progress.total === null || progress.total === undefined || progress.total <= 0) return null;
  return Math.min(1, Math.max(0, progress.done / progress.total));
}

export function modeLabel(mode: HostStatus['mode']): string {
  return mode === 'desktop' ? 'Desktop' : 'Headless';
}

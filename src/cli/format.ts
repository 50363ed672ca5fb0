import { SERVICE_LABELS, type HostStatus, type ServiceStatus } from '../core/contracts/services';

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable(header: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatMegabytes(bytes: number | null): string {
  return bytes === null ? '-' : (bytes / (1024 * 1024)).toFixed(1);
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

function describeState(service: ServiceStatus): string {
  if (service.state === 'circuit-open' && service.circuitOpenUntil) return `circuit open until ${service.circuitOpenUntil.slice(11, 19)}`;
  return service.state;
}

/** The service table `fishmouth status` prints. */
export function formatServiceTable(status: HostStatus): string {
  const rows = status.services.map((s) => [
    SERVICE_LABELS[s.name],
    describeState(s),
    String(s.restarts),
    formatMegabytes(s.memoryBytes),
    s.pid === null ? '-' : String(s.pid),
  ]);
  return formatTable(['SERVICE', 'STATE', 'RESTARTS', 'MEMORY MB', 'PID'], rows, new Set([2, 3, 4]));
}

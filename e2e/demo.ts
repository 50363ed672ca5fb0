import { startHost } from './serve';

/** A small town keeps the scan (and its CPU super-resolution) short on a 2-core machine. */
export const DEMO_HOUSES = 60;
/** How long the demo scan may take before its printed address is given up on. */
export const DEMO_TIMEOUT_MS = 540_000;

export interface DemoOptions {
  /** Prefix of the temporary data folder's name, e.g. 'fishmouth-e2e-leads-'. */
  dataDirPrefix: string;
  /** Houses in the demo town; DEMO_HOUSES unless given. */
  houses?: number;
  /** DEMO_TIMEOUT_MS unless given. */
  timeoutMs?: number;
}

/** What a test needs of a running demo: the address to open, and a way to stop it. */
export interface DemoHandle {
  url: string;
  stop(): Promise<unknown>;
}

/**
 * Runs `fishmouth demo --serve` on a fresh folder and waits for the address it prints once the scan
 * is done. Note: FISHMOUTH_E2E_DEMO_URL reuses a `fishmouth demo --serve` already running (its
 * printed address), to work on a test without scanning the town each time.
 */
export async function startDemo(options: DemoOptions): Promise<DemoHandle> {
  const running = process.env.FISHMOUTH_E2E_DEMO_URL;
  if (running) return { url: running, stop: async () => {} };
  const houses = options.houses ?? DEMO_HOUSES;
  return startHost(['demo', '--properties', String(houses), '--serve', '--port', '0'], {
    dataDirPrefix: options.dataDirPrefix,
    timeoutMs: options.timeoutMs ?? DEMO_TIMEOUT_MS,
  });
}

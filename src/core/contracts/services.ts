import { z } from 'zod';

/** The six services, in start order. The orchestrator is the renderer's only counterpart. */
export const SERVICE_NAMES = ['orchestrator', 'scraper', 'enrichment', 'image-processor', 'ml-inference', 'lead-generator'] as const;
export const serviceNameSchema = z.enum(SERVICE_NAMES);
export type ServiceName = z.infer<typeof serviceNameSchema>;

export const SERVICE_LABELS: Record<ServiceName, string> = {
  orchestrator: 'Orchestrator',
  scraper: 'Scraper',
  enrichment: 'Enrichment',
  'image-processor': 'Image processor',
  'ml-inference': 'ML inference',
  'lead-generator': 'Lead generator',
};

export const serviceStateSchema = z.enum([
  'starting', // spawned, waiting for its ready message
  'ready',
  'restarting', // crashed; a restart is scheduled with backoff
  'circuit-open', // crashed too often; not restarted until reset or the cool-off passes
  'stopping',
  'stopped',
]);
export type ServiceState = z.infer<typeof serviceStateSchema>;

export const runtimeKindSchema = z.enum(['worker-thread', 'utility-process', 'child-process']);
export type RuntimeKind = z.infer<typeof runtimeKindSchema>;

export const serviceStatusSchema = z.object({
  name: serviceNameSchema,
  state: serviceStateSchema,
  runtime: runtimeKindSchema,
  pid: z.number().int().nullable(),
  restarts: z.number().int().nonnegative(),
  /** Crashes inside the circuit window; the circuit opens at the threshold. */
  recentCrashes: z.number().int().nonnegative(),
  startedAt: z.string().nullable(),
  readyAt: z.string().nullable(),
  /** Heap in use by the service's isolate (worker thread) or its resident set (process). */
  memoryBytes: z.number().nonnegative().nullable(),
  lastExit: z
    .object({ at: z.string(), code: z.number().int().nullable(), reason: z.string() })
    .nullable(),
  nextRestartAt: z.string().nullable(),
  circuitOpenUntil: z.string().nullable(),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

export const hostStatusSchema = z.object({
  app: z.literal('fishmouth'),
  version: z.string(),
  mode: z.enum(['desktop', 'headless']),
  startedAt: z.string(),
  dataDir: z.string(),
  healthy: z.boolean(),
  services: z.array(serviceStatusSchema),
});
export type HostStatus = z.infer<typeof hostStatusSchema>;

import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { hostStatusSchema, serviceNameSchema } from './services';
import { secretsMethods } from './secrets-api';
import { costEvents, costMethods } from './cost-api';
import { sourcesMethods } from './sources-api';
import { scanEvents, scanMethods } from './scan-api';
import { imageryMethods } from './imagery-api';
import { leadsMethods } from './leads-api';

export const diagnosticCheckSchema = z.object({
  service: serviceNameSchema,
  ok: z.boolean(),
  roundTripMs: z.number().nonnegative().nullable(),
  message: z.string(),
});
export type DiagnosticCheck = z.infer<typeof diagnosticCheckSchema>;

/** Service status, diagnostics and restarts. */
const statusMethods = {
  'status.get': { params: z.object({}), result: hostStatusSchema },
  /** Round-trips to every service over its own link and its own database connection. */
  'diagnostics.run': {
    params: z.object({}),
    result: z.object({ checks: z.array(diagnosticCheckSchema), ok: z.boolean() }),
    progress: true,
  },
  'services.restart': {
    params: z.object({ name: serviceNameSchema }),
    result: z.object({ ok: z.literal(true) }),
  },
};
const statusEvents = {
  'status.changed': hostStatusSchema,
};

/** Only the status part: what a stand-in orchestrator serves in transport and bridge tests. */
export const orchestratorStatusContract = defineContract({ name: 'orchestrator', methods: statusMethods, events: statusEvents });

/**
 * The API the renderer sees, served by the orchestrator. The preload (Electron) and the
 * WebSocket client (browser) both expose exactly this, through `createFishMouthApi`. Each feature
 * keeps its methods and events in its own module (`status` here, `cost-api.ts`, …) and is
 * spread in below.
 */
export const orchestratorApiContract = defineContract({
  name: 'orchestrator',
  methods: {
    ...statusMethods,
    ...secretsMethods,
    ...costMethods,
    ...sourcesMethods,
    ...scanMethods,
    ...imageryMethods,
    ...leadsMethods,
  },
  events: {
    ...statusEvents,
    ...costEvents,
    ...scanEvents,
  },
});
export type OrchestratorApiContract = typeof orchestratorApiContract;

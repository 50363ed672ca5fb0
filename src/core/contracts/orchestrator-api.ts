import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { hostStatusSchema, serviceNameSchema } from './services';

export const diagnosticCheckSchema = z.object({
  service: serviceNameSchema,
  ok: z.boolean(),
  roundTripMs: z.number().nonnegative().nullable(),
  message: z.string(),
});
export type DiagnosticCheck = z.infer<typeof diagnosticCheckSchema>;

/**
 * The API the renderer sees, served by the orchestrator. The preload (Electron) and the
 * WebSocket client (browser) both expose exactly this, through `createFishMouthApi`.
 */
export const orchestratorApiContract = defineContract({
  name: 'orchestrator',
  methods: {
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
  },
  events: {
    'status.changed': hostStatusSchema,
  },
});
export type OrchestratorApiContract = typeof orchestratorApiContract;

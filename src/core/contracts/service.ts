import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { serviceNameSchema } from './services';

/** What every service serves to the orchestrator, beside its own methods. */
export const serviceInfoSchema = z.object({
  name: serviceNameSchema,
  version: z.string(),
  pid: z.number().int(),
  threadId: z.number().int(),
  startedAt: z.string(),
  schemaVersion: z.number().int().nonnegative(),
});
export type ServiceInfo = z.infer<typeof serviceInfoSchema>;

export const baseServiceContract = defineContract({
  name: 'service',
  methods: {
    'service.info': { params: z.object({}), result: serviceInfoSchema },
    /** Echo with a database round-trip: proves the link and the service's own store connection. */
    'service.ping': {
      params: z.object({ nonce: z.string().max(100) }),
      result: z.object({ nonce: z.string(), service: serviceNameSchema, dbOk: z.boolean() }),
    },
  },
  events: {},
});

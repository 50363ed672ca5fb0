import { z } from 'zod';
import { defineContract } from '../rpc/contract';
import { initSecretsSchema } from './secrets-api';
import { hostStatusSchema, serviceNameSchema } from './services';

/**
 * host → service, over the process's parent channel. Every service serves this.
 */
export const serviceControlContract = defineContract({
  name: 'service control',
  methods: {
    'control.health': {
      params: z.object({}),
      result: z.object({
        memoryBytes: z.number().nonnegative(),
        rssBytes: z.number().nonnegative(),
        uptimeMs: z.number().nonnegative(),
      }),
    },
    /** Finish or abandon work, close links and the database; the host exits the process after. */
    'control.shutdown': { params: z.object({}), result: z.object({ ok: z.literal(true) }) },
  },
  events: {
    /** Pushed to the orchestrator whenever the supervised table changes. */
    'control.hostStatus': hostStatusSchema,
  },
});

/**
 * service → host: the few things a service may ask of its supervisor. Served by the host on the
 * orchestrator's parent channel only.
 */
export const hostControlContract = defineContract({
  name: 'host',
  methods: {
    'host.status': { params: z.object({}), result: hostStatusSchema },
    'host.restartService': {
      params: z.object({ name: serviceNameSchema }),
      result: z.object({ ok: z.literal(true) }),
    },
  },
  events: {},
});

/**
 * Non-RPC messages on the parent channel: the start-up hand-shake and MessagePort hand-offs.
 * Ports travel beside these messages (transfer lists), never inside RPC payloads.
 */
export const initMessageSchema = z.object({
  t: z.literal('init'),
  service: serviceNameSchema,
  dataDir: z.string().min(1),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  mode: z.enum(['desktop', 'headless']),
  version: z.string().min(1).max(50),
  secrets: initSecretsSchema,
});
export type InitMessage = z.infer<typeof initMessageSchema>;

export const portMessageSchema = z.object({
  t: z.literal('port'),
  /** `client`: the other end calls this service's contract. `service`: a link to another service. */
  role: z.enum(['client', 'service']),
  /** The service at the other end (role `service`), or a client id (role `client`). */
  peer: z.string().min(1).max(100),
});
export type PortMessage = z.infer<typeof portMessageSchema>;

export const readyMessageSchema = z.object({ t: z.literal('ready'), service: serviceNameSchema });
export const fatalMessageSchema = z.object({ t: z.literal('fatal'), service: serviceNameSchema, message: z.string() });

import { z } from 'zod';

/**
 * The wire format of every RPC link: renderer↔orchestrator (MessagePort or WebSocket),
 * orchestrator↔service (MessagePort) and host↔service (the process's parent channel).
 * Every message is parsed with `envelopeSchema` on arrival; nothing is trusted by shape alone.
 *
 * Note: we use this small RPC instead of comlink because comlink's callbacks (progress) and
 * cancellation rely on transferring MessagePorts, which a WebSocket cannot carry; this one works
 * identically over ports and sockets and validates every message with zod.
 */

export const REQUEST_ID_MAX = 128;
const requestId = z.string().min(1).max(REQUEST_ID_MAX);

export const progressSchema = z.object({
  stage: z.string().max(200).optional(),
  done: z.number().finite().nonnegative(),
  total: z.number().finite().nonnegative().nullable().optional(),
  message: z.string().max(2000).optional(),
});
export type Progress = z.infer<typeof progressSchema>;

export const RPC_ERROR_KINDS = [
  'bad-input', // the caller sent parameters that fail the method's schema
  'invalid-message', // the envelope itself is malformed
  'invalid-response', // the callee answered with something that fails the result schema
  'unknown-method',
  'service-unavailable', // the service is down, restarting, or its circuit is open
  'cancelled',
  'timeout',
  'refused', // the callee understood and declined (budget, policy, permissions)
  'internal',
] as const;
export type RpcErrorKind = (typeof RPC_ERROR_KINDS)[number];

export const rpcErrorSchema = z.object({
  kind: z.enum(RPC_ERROR_KINDS),
  message: z.string().max(10_000),
  details: z.unknown().optional(),
});
export type RpcErrorShape = z.infer<typeof rpcErrorSchema>;

export const envelopeSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), id: requestId, method: z.string().min(1).max(200), params: z.unknown() }),
  z.object({ t: z.literal('res'), id: requestId, result: z.unknown() }),
  z.object({ t: z.literal('err'), id: requestId, error: rpcErrorSchema }),
  z.object({ t: z.literal('progress'), id: requestId, progress: progressSchema }),
  z.object({ t: z.literal('cancel'), id: requestId }),
  z.object({ t: z.literal('event'), topic: z.string().min(1).max(200), payload: z.unknown() }),
]);
export type Envelope = z.infer<typeof envelopeSchema>;

/** An error with a kind a program can branch on and a message a person can act on. */
export class RpcError extends Error {
  readonly kind: RpcErrorKind;
  readonly details: unknown;
  constructor(kind: RpcErrorKind, message: string, details?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.kind = kind;
    this.details = details;
  }
  toShape(): RpcErrorShape {
    return this.details === undefined
      ? { kind: this.kind, message: this.message }
      : { kind: this.kind, message: this.message, details: this.details };
  }
  static fromShape(shape: RpcErrorShape): RpcError {
    return new RpcError(shape.kind, shape.message, shape.details);
  }
}

/** A short, readable summary of a zod failure, e.g. `params.bbox[2]: Expected number`. */
export function describeZodError(error: z.ZodError, root = ''): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [root, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))]
        .join('')
        .replace(/^\./, '');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

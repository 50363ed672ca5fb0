import { randomUUID } from 'node:crypto';
import type { DiagnosticCheck } from '../../core/contracts/orchestrator-api';
import { SERVICE_NAMES } from '../../core/contracts/services';
import type { ServiceContext } from '../../core/host/service-runtime';
import type { HandlerContext } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';

/**
 * Checks every service end to end: a round trip over its own link that also touches its own
 * database connection. Reports progress per service and stops when cancelled.
 */
export async function runDiagnostics(ctx: ServiceContext, call: HandlerContext): Promise<{ checks: DiagnosticCheck[]; ok: boolean }> {
  const checks: DiagnosticCheck[] = [];
  const total = SERVICE_NAMES.length;
  call.progress({ stage: 'diagnostics', done: 0, total, message: 'Checking the orchestrator' });

  const ownStart = performance.now();
  let ownOk = false;
  try {
    ownOk = ctx.db.prepare('select 1 as one').get() !== undefined;
  } catch (error) {
    ctx.log.error({ err: error }, 'orchestrator database check failed');
  }
  checks.push({
    service: 'orchestrator',
    ok: ownOk,
    roundTripMs: performance.now() - ownStart,
    message: ownOk ? 'database reachable' : 'database not reachable',
  });

  for (const name of SERVICE_NAMES) {
    if (name === 'orchestrator') continue;
    if (call.signal.aborted) throw new RpcError('cancelled', 'The service check was cancelled.');
    call.progress({ stage: 'diagnostics', done: checks.length, total, message: `Checking ${name}` });
    const nonce = randomUUID();
    const started = performance.now();
    try {
      const answer = await ctx.service(name).call('service.ping', { nonce }, { signal: call.signal, timeoutMs: 5000 });
      const ok = answer.nonce === nonce && answer.dbOk;
      checks.push({
        service: name,
        ok,
        roundTripMs: performance.now() - started,
        message: ok ? 'link and database reachable' : answer.dbOk ? 'answered with the wrong nonce' : 'its database connection failed',
      });
    } catch (error) {
      if (error instanceof RpcError && error.kind === 'cancelled') throw error;
      checks.push({ service: name, ok: false, roundTripMs: null, message: (error as Error).message });
    }
  }
  call.progress({ stage: 'diagnostics', done: total, total, message: 'Done' });
  return { checks, ok: checks.every((c) => c.ok) };
}

import type { LeadsApiContract } from '../../core/contracts/leads-api';
import type { OrchestratorApiContract } from '../../core/contracts/orchestrator-api';
import { leadGeneratorContract } from '../../core/contracts/service-contracts';
import type { ServiceContext } from '../../core/host/service-runtime';
import type { Handlers } from '../../core/rpc/peer';

type LeadsHandlers = Pick<Handlers<OrchestratorApiContract>, keyof LeadsApiContract['methods']>;

/** The renderer's lead questions and a rep's changes, passed on to the lead-generator. */
export function leadsHandlers(ctx: ServiceContext): LeadsHandlers {
  const leads = ctx.serviceLink('lead-generator', leadGeneratorContract);
  return {
    'leads.list': (params, call) => leads.call('leads.list', params, { signal: call.signal }),
    'leads.get': (params, call) => leads.call('leads.get', params, { signal: call.signal }),
    'leads.status': (params, call) => leads.call('leads.status', params, { signal: call.signal }),
    'leads.assign': (params, call) => leads.call('leads.assign', params, { signal: call.signal }),
    'leads.visit': (params, call) => leads.call('leads.visit', params, { signal: call.signal }),
    'leads.route': (params, call) => leads.call('leads.route', params, { signal: call.signal }),
    'leads.export': (params, call) => leads.call('leads.export', params, { signal: call.signal }),
  };
}

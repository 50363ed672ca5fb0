import { leadGeneratorContract, mlInferenceContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';
import { assignLeads, getLead, setLeadStatus } from '../../core/leads/leads-store';
import { logVisit, visitsOf } from '../../core/leads/visits-store';
import { RpcError } from '../../core/rpc/protocol';
import { StoreError } from '../../core/store';
import { buildLeadModelOnnx, DEFAULT_LEAD_PRIOR, leadModelFromOnnx, type LeadModelParams } from '../../ml/lead-model';
import { defaultModelsDir } from '../../ml/model-files';
import { activeModel } from '../../ml/model-registry';
import { planLeads } from './plan';
import { scoreChunk } from './score';
import { leadExport, leadList, leadRoute, leadView, visitView } from './views';

/**
 * The lead-generator service. Assesses roofs and scores leads (the models run in ml-inference,
 * over this service's own port to it), and serves ranked lists, a rep's status changes,
 * assignments and visits, walking routes and exports — all from the local store, so they work
 * offline; leads and visits sync.
 */
const REP = 'rep';

runService({
  name: 'lead-generator',
  contract: leadGeneratorContract,
  setup(ctx) {
    const ml = ctx.serviceLink('ml-inference', mlInferenceContract);
    const params = new Map<string, LeadModelParams>();
    const leadParams = (modelId: string): LeadModelParams => {
      const known = params.get(modelId);
      if (known) return known;
      const active = activeModel(ctx.db, 'lead-score', { dataDir: ctx.dataDir, builtModelsDir: defaultModelsDir(), builtDefault: () => buildLeadModelOnnx(DEFAULT_LEAD_PRIOR) });
      if (active.id !== modelId) throw new RpcError('refused', `The lead model changed while scoring (${modelId} → ${active.id}); the step will be run again.`);
      const parsed = leadModelFromOnnx(active.bytes, active.id);
      params.set(modelId, parsed);
      return parsed;
    };
    return {
      'leads.plan': ({ bbox }) => planLeads(ctx.db, bbox),
      'leads.score': (request, call) => scoreChunk({ db: ctx.db, ml, leadParams }, request, call),
      'leads.list': (filters) => leadList(ctx.db, filters),
      'leads.get': ({ id }) => {
        const lead = getLead(ctx.db, id);
        return lead ? { lead: leadView(lead), visits: visitsOf(ctx.db, id).map(visitView) } : null;
      },
      'leads.status': ({ id, status }) => asRpc(() => leadView(setLeadStatus(ctx.db, id, status, REP))),
      'leads.assign': ({ ids, rep }) => asRpc(() => ({ updated: assignLeads(ctx.db, ids, rep, REP).length })),
      'leads.visit': ({ leadId, outcome, note, position, rep }) =>
        asRpc(() => {
          const visit = logVisit(ctx.db, { leadId, outcome, ...(note ? { note } : {}), ...(position ? { position } : {}), ...(rep ? { rep } : {}) });
          return { visit: visitView(visit), lead: leadView(getLead(ctx.db, leadId)!) };
        }),
      'leads.route': ({ from, top, filters }) => asRpc(() => leadRoute(ctx.db, from, top, filters)),
      'leads.export': ({ format, filters }) => leadExport(ctx.db, format, filters),
    };
  },
});

/** A store refusal (unknown lead, bad input) keeps its message and becomes a kind the caller can branch on. */
function asRpc<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof StoreError) throw new RpcError(error.kind === 'not-found' || error.kind === 'invalid-input' ? 'bad-input' : 'refused', error.message);
    if (error instanceof RangeError) throw new RpcError('bad-input', error.message);
    throw error;
  }
}

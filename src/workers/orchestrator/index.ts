import { orchestratorApiContract } from '../../core/contracts/orchestrator-api';
import { runService } from '../../core/host/service-runtime';
import { runDiagnostics } from './diagnostics';
import { secretsHandlers } from './secrets-handlers';
import { costHandlers } from './cost-handlers';
import { sourcesHandlers } from './sources-handlers';
import { scanHandlers } from './scan-handlers';
import { imageryHandlers } from './imagery-handlers';
import { leadsHandlers } from './leads-handlers';
import type { HostStatus } from '../../core/contracts/services';

/**
 * The orchestrator: the renderer's only counterpart. It relays the supervisor's table, checks the
 * other services over their links, and plans and drives pipeline runs (territory scans).
 */
runService({
  name: 'orchestrator',
  contract: orchestratorApiContract,
  setup(ctx) {
    let latest: HostStatus | null = null;
    ctx.onHostStatus((status) => {
      latest = status;
      ctx.broadcast(orchestratorApiContract, 'status.changed', status);
    });
    return {
      'status.get': async () => latest ?? (latest = await ctx.host.call('host.status', {})),
      'diagnostics.run': (_params, call) => runDiagnostics(ctx, call),
      'services.restart': ({ name }) => ctx.host.call('host.restartService', { name }),
      ...secretsHandlers(ctx),
      ...costHandlers(ctx),
      ...sourcesHandlers(ctx),
      ...scanHandlers(ctx),
      ...imageryHandlers(ctx),
      ...leadsHandlers(ctx),
    };
  },
});

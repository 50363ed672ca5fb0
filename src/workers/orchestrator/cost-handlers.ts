import { costContract, type SpendChanged } from '../../core/contracts/cost-api';
import type { OrchestratorApiContract } from '../../core/contracts/orchestrator-api';
import { listBudgetAlerts } from '../../core/cost/alerts';
import { budgetDay } from '../../core/cost/budget-day';
import type { BudgetSettings, PriceEntry } from '../../core/cost/budget-schemas';
import { getBudgetSettings, updateBudgetSettings } from '../../core/cost/budget-settings';
import { budgetStatus } from '../../core/cost/budget-status';
import { getEmergencyOpening, openEmergencyBudget } from '../../core/cost/emergency';
import { getPriceTable, updatePriceTable } from '../../core/cost/prices';
import { BudgetError } from '../../core/cost/reservations';
import { spendReport, spendSummary } from '../../core/cost/spend';
import { SpendWatcher } from '../../core/cost/spend-watch';
import type { ServiceContext } from '../../core/host/service-runtime';
import { micros, MoneyError, parseUsd, type Micros } from '../../core/money';
import type { Handlers } from '../../core/rpc/peer';
import { RpcError } from '../../core/rpc/protocol';
import { StoreError, type Db } from '../../core/store';

type CostHandlers = Pick<Handlers<OrchestratorApiContract>, keyof typeof costContract.methods>;

/** Budget and price changes made from the UI are manager actions, and recorded as such. */
const MANAGER = 'manager';

/**
 * Budgets, spend reports, prices and alerts for the renderer, plus the live spend feed: a
 * SpendWatcher on the orchestrator's own connection notices every process's spend and pushes
 * `spend.changed` and `budget.alert` to every connected window and browser.
 */
export function costHandlers(ctx: ServiceContext): CostHandlers {
  const { db } = ctx;
  const watcher = new SpendWatcher<SpendChanged>({
    db,
    snapshot: (now) => spendSnapshot(db, now),
    onChange: (snapshot) => ctx.broadcast(costContract, 'spend.changed', snapshot),
    onAlert: (alert) => {
      ctx.log.warn({ day: alert.day, pool: alert.pool, thresholdPercent: alert.thresholdPercent }, alert.message);
      ctx.broadcast(costContract, 'budget.alert', alert);
    },
    onError: (error) => ctx.log.error({ err: (error as Error)?.message ?? String(error) }, 'checking spend for changes failed'),
  });
  watcher.start();
  /** Runs a write of this connection, then checks at once (its own writes do not move data_version). */
  const write = <T>(run: () => T): T => {
    const result = asRpc(run);
    watcher.refresh();
    return result;
  };

  return {
    'budget.status': () => asRpc(() => budgetStatus(db)),
    'budget.settings': () => asRpc(() => getBudgetSettings(db)),
    'budget.update': (input) =>
      write(() => {
        const patch: Partial<BudgetSettings> = {};
        if (input.dailyUsd !== undefined) patch.dailyMicros = parseUsd(input.dailyUsd);
        if (input.emergencyUsd !== undefined) patch.emergencyMicros = parseUsd(input.emergencyUsd);
        if (input.perCallCapUsd !== undefined) patch.perCallCapMicros = parseUsd(input.perCallCapUsd);
        if (input.perRequestCapUsd !== undefined) patch.perRequestCapMicros = parseUsd(input.perRequestCapUsd);
        if (input.prioritySharesPercent !== undefined) patch.prioritySharesPercent = input.prioritySharesPercent;
        if (input.timeZone !== undefined) patch.timeZone = input.timeZone;
        const saved = updateBudgetSettings(db, patch, MANAGER);
        ctx.log.info({ version: saved.version, changed: Object.keys(patch) }, 'budget settings changed');
        return saved;
      }),
    'budget.openEmergency': ({ reason }) =>
      write(() => {
        const opening = openEmergencyBudget(db, { actor: MANAGER, reason });
        if (!opening.alreadyOpen) ctx.log.warn({ day: opening.day, amountMicros: opening.amountMicros }, 'emergency budget opened');
        return opening;
      }),
    'spend.summary': ({ day }) => asRpc(() => daySummary(db, day)),
    'spend.report': (query) => asRpc(() => spendReport(db, query)),
    'prices.get': () => asRpc(() => getPriceTable(db)),
    'prices.update': ({ prices }) =>
      write(() => {
        const entries: PriceEntry[] = prices.map(({ price, note, ...entry }) => ({
          ...entry,
          micros: parseUsd(price),
          ...(note === undefined ? {} : { note }),
        }));
        const saved = updatePriceTable(db, entries, MANAGER);
        ctx.log.info({ version: saved.version, entries: saved.prices.length }, 'price table changed');
        return saved;
      }),
    'alerts.list': ({ day }) => asRpc(() => ({ alerts: listBudgetAlerts(db, { day: day ?? budgetDay(new Date(), getBudgetSettings(db).timeZone) }) })),
  };
}

/** Today's budget and spend, read in one snapshot so the two agree. */
export function spendSnapshot(db: Db, now: Date): SpendChanged {
  return db.transaction(() => {
    const budget = budgetStatus(db, now);
    const summary = spendSummary(db, { day: budget.day, timeZone: budget.timeZone, limitMicros: micros(budget.total.limitMicros), now });
    return { budget, summary };
  })();
}

/** A day's summary against the daily budget in force now, plus that day's emergency budget if it was opened. */
function daySummary(db: Db, day: string | undefined) {
  const now = new Date();
  const settings = getBudgetSettings(db);
  const which = day ?? budgetDay(now, settings.timeZone);
  const emergency = getEmergencyOpening(db, which)?.amountMicros ?? 0;
  const limit: Micros = micros(settings.dailyMicros + emergency);
  return spendSummary(db, { day: which, timeZone: settings.timeZone, limitMicros: limit, now });
}

/** Domain errors keep their message; their kind becomes one the caller can branch on. */
function asRpc<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof MoneyError) throw new RpcError('bad-input', error.message);
    if (error instanceof StoreError && (error.kind === 'invalid-input' || error.kind === 'not-found')) throw new RpcError('bad-input', error.message);
    if (error instanceof BudgetError) throw new RpcError(error.kind === 'invalid-input' || error.kind === 'invalid-amount' ? 'bad-input' : 'refused', error.message);
    throw error;
  }
}

import { z } from 'zod';
import { safeParseUsd } from '../money';
import { defineContract } from '../rpc/contract';
import type { LinkedClient } from '../rpc/linked-client';
import {
  budgetAlertSchema,
  spendDaySchema,
  spendReportQuerySchema,
  spendReportSchema,
  spendSummarySchema,
  type BudgetAlert,
  type SpendReport,
  type SpendReportQuery,
  type SpendSummary,
} from '../cost/spend-schemas';
import {
  budgetStatusSchema,
  emergencyOpeningSchema,
  priceTableViewSchema,
  versionedBudgetSettingsSchema,
  type BudgetStatus,
  type EmergencyOpening,
  type PriceTableView,
  type VersionedBudgetSettings,
} from '../cost/budget-schemas';
import type { OrchestratorApiContract } from './orchestrator-api';

/**
 * Budgets, spend and prices as the renderer sees them (served by the orchestrator, see
 * src/workers/orchestrator/cost-handlers.ts). Browser-safe: zod and pure helpers only, because
 * the preload and the page import this file; the result shapes come from cost/budget-schemas.ts
 * and cost/spend-schemas.ts, which the cost modules themselves use.
 *
 * Money from a form arrives as USD text or a number and is checked with parseUsd here, so a
 * negative, NaN, huge or non-numeric amount is refused as 'bad-input' naming the field (e.g.
 * `params.dailyUsd: daily budget: "-5" is negative; …`); the handler converts it to micros.
 * Nothing is transformed in these schemas: the caller validates the same params it sends.
 */

/** A dollar amount typed by a person: "10", "10.50", "$1,234.56", or a plain number. */
export function usdInputSchema(label: string) {
  return z
    .custom<string | number>((value) => typeof value === 'string' || typeof value === 'number', {
      message: `${label} must be a dollar amount like 10 or 10.50`,
    })
    .superRefine((value, ctx) => {
      const parsed = safeParseUsd(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${label}: ${parsed.error.message}` });
    });
}

export const budgetUpdateSchema = z
  .object({
    dailyUsd: usdInputSchema('daily budget').optional(),
    emergencyUsd: usdInputSchema('emergency budget').optional(),
    perCallCapUsd: usdInputSchema('per-call cap').optional(),
    perRequestCapUsd: usdInputSchema('per-request cap').optional(),
    /** Whole percentages summing to 100; the budget settings check them. */
    prioritySharesPercent: z.object({ high: z.number(), medium: z.number(), low: z.number() }).strict().optional(),
    timeZone: z.string().max(100, 'time zone must be at most 100 characters').optional(),
  })
  .strict()
  .refine((patch) => Object.values(patch).some((value) => value !== undefined), { message: 'change at least one budget setting' });
export type BudgetUpdateInput = z.input<typeof budgetUpdateSchema>;

export const priceInputSchema = z
  .object({
    source: z.string().max(200),
    operation: z.string().max(200),
    price: usdInputSchema('price'),
    unit: z.string().max(50),
    note: z.string().max(500).optional(),
  })
  .strict();
export type PriceInput = z.input<typeof priceInputSchema>;

export const spendChangedSchema = z.object({ summary: spendSummarySchema, budget: budgetStatusSchema });
export type SpendChanged = z.infer<typeof spendChangedSchema>;

/** Spread into the orchestrator's contract. */
export const costMethods = {
  'budget.status': { params: z.object({}), result: budgetStatusSchema },
  'budget.settings': { params: z.object({}), result: versionedBudgetSettingsSchema },
  /** A manager action: recorded with actor 'manager' in the settings history and the audit log. */
  'budget.update': { params: budgetUpdateSchema, result: versionedBudgetSettingsSchema },
  /** A manager action; idempotent for the day (alreadyOpen: true the second time). */
  'budget.openEmergency': {
    params: z.object({ reason: z.string().max(1_000, 'keep the reason under 1,000 characters') }).strict(),
    result: emergencyOpeningSchema,
  },
  'spend.summary': { params: z.object({ day: spendDaySchema.optional() }).strict(), result: spendSummarySchema },
  'spend.report': { params: spendReportQuerySchema, result: spendReportSchema },
  'prices.get': { params: z.object({}), result: priceTableViewSchema },
  'prices.update': {
    params: z.object({ prices: z.array(priceInputSchema).max(10_000, 'a price table holds at most 10,000 entries') }).strict(),
    result: priceTableViewSchema,
  },
  'alerts.list': { params: z.object({ day: spendDaySchema.optional() }).strict(), result: z.object({ alerts: z.array(budgetAlertSchema) }) },
};

export const costEvents = {
  /** Pushed when spend, reservations, the budget or prices change (any process's writes). */
  'spend.changed': spendChangedSchema,
  /** Pushed once per (day, pool, threshold) when spend crosses 50%, 80% or 100% of a pool. */
  'budget.alert': budgetAlertSchema,
};

/** The cost part on its own, for handler typing and broadcasting from the orchestrator. */
export const costContract = defineContract({ name: 'cost', methods: costMethods, events: costEvents });
export type CostContract = typeof costContract;

/** The renderer's part of FishMouthApi. */
export interface CostApi {
  getBudgetStatus(): Promise<BudgetStatus>;
  getBudgetSettings(): Promise<VersionedBudgetSettings>;
  updateBudget(input: BudgetUpdateInput): Promise<VersionedBudgetSettings>;
  openEmergencyBudget(reason: string): Promise<EmergencyOpening>;
  getSpendSummary(day?: string): Promise<SpendSummary>;
  getSpendReport(query: SpendReportQuery): Promise<SpendReport>;
  getPrices(): Promise<PriceTableView>;
  updatePrices(prices: PriceInput[]): Promise<PriceTableView>;
  listAlerts(day?: string): Promise<BudgetAlert[]>;
  onSpend(listener: (event: SpendChanged) => void): () => void;
  onBudgetAlert(listener: (alert: BudgetAlert) => void): () => void;
}

export function costApi(client: LinkedClient<OrchestratorApiContract>): CostApi {
  return {
    getBudgetStatus: () => client.call('budget.status', {}),
    getBudgetSettings: () => client.call('budget.settings', {}),
    updateBudget: (input) => client.call('budget.update', input),
    openEmergencyBudget: (reason) => client.call('budget.openEmergency', { reason }),
    getSpendSummary: (day) => client.call('spend.summary', day === undefined ? {} : { day }),
    getSpendReport: (query) => client.call('spend.report', query),
    getPrices: () => client.call('prices.get', {}),
    updatePrices: (prices) => client.call('prices.update', { prices }),
    listAlerts: async (day) => (await client.call('alerts.list', day === undefined ? {} : { day })).alerts,
    onSpend: (listener) => client.on('spend.changed', listener),
    onBudgetAlert: (listener) => client.on('budget.alert', listener),
  };
}

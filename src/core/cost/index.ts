/**
 * Cost control, shared by every service: budgets, reservations, the cost ledger, prices.
 * A plain list of re-exports; each module's header documents its semantics.
 */
export { budgetDay, budgetDayBounds, isBudgetDay, isValidTimeZone } from './budget-day';
export {
  ALERT_THRESHOLDS_PERCENT,
  DEFAULT_BUDGET_SETTINGS,
  PRIORITIES,
  budgetAmountSchema,
  budgetSettingsPatchSchema,
  budgetSettingsSchema,
  getBudgetSettings,
  prioritySchema,
  updateBudgetSettings,
  type BudgetSettings,
  type Priority,
  type VersionedBudgetSettings,
} from './budget-settings';
export { budgetFiguresSchema, budgetStatus, budgetStatusSchema, type BudgetFigures, type BudgetStatus } from './budget-status';
export { getEmergencyOpening, openEmergencyBudget, openEmergencyInputSchema, type EmergencyOpening } from './emergency';
export {
  LEDGER_OUTCOMES,
  appendLedger,
  appendLedgerCorrection,
  costLedgerTable,
  getLedgerEntry,
  ledgerEntryInputSchema,
  listLedger,
  type LedgerEntry,
  type LedgerEntryInput,
  type LedgerFilter,
  type LedgerOutcome,
  type LedgerPool,
} from './ledger';
export { ANY_OPERATION, DEFAULT_PRICES, getPriceTable, priceEntrySchema, priceFor, priceTableSchema, updatePriceTable, type PriceEntry } from './prices';
export {
  BudgetError,
  commitReservation,
  describeBadAmount,
  expireOrphanedReservations,
  getReservation,
  releaseReservation,
  renewReservation,
  reserveBudget,
  type BudgetErrorKind,
  type BudgetRefusal,
  type BudgetRefusalKind,
  type CommitLedgerFields,
  type Reservation,
  type ReservationState,
  type ReserveRequest,
  type ReserveResult,
} from './reservations';
export {
  DEFAULT_USER_AGENT,
  SOURCE_KINDS,
  SourcePolicyError,
  applySourceOverride,
  defineSourcePolicy,
  licencePolicySchema,
  rateLimitSchema,
  readSourceOverrides,
  sourceOverrideSchema,
  sourcePolicySchema,
  type LicencePolicy,
  type PriceRef,
  type RateLimit,
  type SourceKind,
  type SourceOverride,
  type SourceOverrides,
  type SourcePolicy,
  type SourcePolicyErrorKind,
  type SourcePolicyInput,
} from './source-policy';
export { SOURCE_CATALOGUE, configureSource, listSourcePolicies, sourcePolicy } from './sources';
export {
  acquire,
  parseRetryAfter,
  penalise,
  readRateLimit,
  tryAcquire,
  type AcquireOptions,
  type AcquireOutcome,
  type RateDecision,
  type RateLimitPolicy,
  type RateLimitState,
} from './rate-limiter';
export { ChainDefinitionError, DEFAULT_QUALITY_TARGET, DEFAULT_RATE_WAIT_MS, defaultBudgetGate, defaultLedgerWriter, defineChain, resolveNeed } from './chain';
export {
  hit,
  miss,
  stepError,
  type Attempt,
  type BatchStep,
  type BudgetGate,
  type CacheStep,
  type Chain,
  type ChainDefinition,
  type ChainFailure,
  type ChainFailureKind,
  type ChainOutcome,
  type ChainStep,
  type ChainSuccess,
  type FallbackStep,
  type FreeStep,
  type LedgerWriter,
  type NeedContext,
  type PaidContext,
  type PaidStep,
  type ResolveOptions,
  type StepError,
  type StepKind,
  type StepResult,
} from './chain-types';
export { budgetAlertNotice, type BudgetAlertNotice } from './alert-text';
export { describeBudgetAlert, fireBudgetAlerts, listBudgetAlerts, listNewBudgetAlerts, poolSpend, type PoolSpend } from './alerts';
export { projectEndOfDay, spendReport, spendSummary, type SpendSummaryInput } from './spend';
export {
  SPEND_GROUPINGS,
  alertThresholdSchema,
  budgetAlertSchema,
  budgetPoolSchema,
  listAlertsQuerySchema,
  spendDaySchema,
  spendFiguresSchema,
  spendReportQuerySchema,
  spendReportRowSchema,
  spendReportSchema,
  spendSummarySchema,
  type AlertThreshold,
  type BudgetAlert,
  type BudgetPool,
  type SpendFigures,
  type SpendGrouping,
  type SpendReport,
  type SpendReportQuery,
  type SpendReportRow,
  type SpendSummary,
} from './spend-schemas';
export { SpendWatcher, spendFingerprint, type SpendWatcherOptions } from './spend-watch';

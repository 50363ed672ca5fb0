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

/**
 * The store: one SQLite database per data folder, opened by each process on its own.
 * Start-up: `const db = openDatabase(dataDir); runMigrations(db);` (the host does the migration
 * once; services just open). Synced tables are written only through `writeSynced` or the
 * repositories built on it, so every change lands in the outbox in the same transaction.
 */
export { BUSY_TIMEOUT_MS, DATABASE_FILE, databasePath, openDatabase, writeTransaction, type Db, type OpenDatabaseOptions, type SqlValue } from './database';
export { StoreError, parseRow, type StoreErrorKind } from './errors';
export { MIGRATIONS, SCHEMA_VERSION, migrationChecksum, runMigrations, schemaVersion, type Migration, type MigrationReport } from './migrations';
export { getDeviceId, nextHlc, receiveRemoteHlc } from './device';
export { writeSynced, type ColumnValue, type SyncOp, type SyncedTable } from './synced';
export { countPendingOutbox, markOutboxPushed, pendingOutbox, type OutboxEntry } from './outbox';
export { areaGeometrySchema, positionSchema, type AreaGeometry } from './geojson';
export {
  createTerritory,
  deleteTerritory,
  getTerritory,
  listTerritories,
  renameTerritory,
  territoriesTable,
  territoryNameSchema,
  type Territory,
} from './territories';
export { appendAudit, auditTable, listAudit, type AuditEntry } from './audit';
export {
  SCAN_RUN_STATES,
  SCAN_STEP_STATES,
  createScanRun,
  finishScanStep,
  getScanRun,
  getScanStep,
  listScanRuns,
  listScanSteps,
  planScanSteps,
  releaseInterruptedSteps,
  scanProgress,
  setScanRunState,
  startScanStep,
  updateScanRunSummary,
  type ScanRun,
  type ScanRunState,
  type ScanStep,
  type ScanStepState,
  type StageProgress,
} from './scan-runs';
export {
  countProperties,
  findPropertyByAddressKey,
  getProperty,
  getPropertySource,
  propertiesInBBox,
  propertiesInTerritory,
  propertiesTable,
  propertySources,
  type Property,
  type PropertySource,
} from './property-rows';
export { findPropertyFor } from './property-matching';
export {
  observationHash,
  refreshPropertyCompleteness,
  refreshRoofPermitDate,
  setPropertyCensusArea,
  upsertPropertyObservation,
  type UpsertPropertyOptions,
  type UpsertPropertyResult,
} from './properties';
export {
  COMPLETENESS_TARGET,
  CRITICAL_FIELD_WEIGHTS,
  FIELD_PRECEDENCE,
  computeCompleteness,
  missingCriticalFields,
  sourceFamily,
  type CompletenessFacts,
  type CriticalField,
  type SourceFamily,
} from './property-merge';
export { insertStormReports, stormReportsInBBox, stormReportsNear, type StormFilter, type StoredStormReport, type UpsertCounts } from './storms';
export { permitsForProperty, upsertPermits, type PermitCounts, type StoredPermit } from './permits';
export { censusAreasByGeoid, getCensusArea, upsertCensusAreas, type CensusUpsertCounts, type StoredCensusArea } from './census-areas';

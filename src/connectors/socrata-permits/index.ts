/** Building permits over Socrata SODA: the portal list (data), the parsers, the connector. */
export { DEFAULT_CERTAIN_ROOFING_PATTERN, DEFAULT_NOT_ROOFING_PATTERN, DEFAULT_ROOFING_PATTERN, SEED_PORTALS, findPortal, mappedColumns, portalConfigSchema, portalListSchema, type PortalConfig, type PortalConfigInput, type PortalFields } from './portals';
export { SOCRATA_SOURCE_ID, isRoofingPermit, parseSodaRows, permitsFromRows, pointFrom, socrataRefusal, type PermitRejection, type PermitRows, type SodaRow, type SodaValue } from './parse';
export { floatingToUtc, utcToFloating } from './floating-time';
export { SOCRATA_APP_TOKEN_SECRET, buildPermitQuery, fetchPermits, fetchSodaRows, portalPolicy, type FetchPermitsOptions, type PermitFetch, type SocrataCallOptions, type SodaQuery } from './connector';
export { socrataPermitsEmulator } from './emulator';

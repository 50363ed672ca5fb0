/** NOAA SPC daily storm reports: the CSV parser (also for imported files), the connector and its emulator. */
export {
  KNOTS_PER_MPH,
  SPC_ATTRIBUTION,
  SPC_FILE_KIND,
  SPC_HEADERS,
  SPC_SOURCE,
  parseSpcReports,
  reportDayFromYymmdd,
  reportDayOf,
  reportDayStart,
  shiftReportDay,
  spcFileNameFacts,
  spcTimeToUtc,
  yymmddOf,
  type RejectedRow,
  type ReportDay,
  type SpcParseOptions,
  type SpcParseResult,
} from './parse';
export { fetchSpcReports, isNoReportsError, resolveReportDay, spcReportPath, type SpcCallOptions, type SpcDay, type SpcFetch, type SpcFile } from './connector';
export { noaaSpcEmulator, spcReportCsv } from './emulator';

/**
 * Imports of files a user downloaded by hand: `fishmouth import KIND FILE`. See import-file.ts.
 */
export { IMPORT_KINDS, IMPORT_KIND_HELP, importFile, type ImportKind, type ImportRequest } from './import-file';
export { ImportError, type ImportErrorKind } from './errors';
export { EXAMPLES_PER_KIND, REJECTION_KINDS, type ImportCounts, type ImportReport, type RejectionGroup, type RejectionKind } from './report';
export { IMPORT_BATCH_SIZE } from './writer';
export { sniffDelimiter } from './csv-addresses';

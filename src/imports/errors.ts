/**
 * What can stop an import as a whole (a single bad row never does: it is rejected with its line
 * and reason, and the import goes on). Each kind has a message naming the file and what to do.
 */

export const IMPORT_ERROR_KINDS = [
  'file-not-found', // no such file, or it is a folder
  'unreadable', // permission denied or an I/O error
  'unsupported-compression', // bzip2, zip, xz…: say how to unpack it
  'damaged-file', // gzip stream or text that stops part-way or is corrupt
  'wrong-format', // not the kind of file asked for (an HTML page, XML for a JSON kind…)
  'too-large', // read whole and larger than the limit
  'missing-option', // the file does not tell something the import needs (a report day, a county)
  'cancelled',
] as const;
export type ImportErrorKind = (typeof IMPORT_ERROR_KINDS)[number];

export class ImportError extends Error {
  readonly kind: ImportErrorKind;
  constructor(kind: ImportErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImportError';
    this.kind = kind;
  }
}

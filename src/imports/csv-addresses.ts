import { parse as csvParser, type CsvError } from 'csv-parse';
import { pipeline } from 'node:stream/promises';
import { mapHeader, observationFromRow, type AddressColumn, type RowValues } from './address-rows';
import { ImportError } from './errors';
import { openDecompressed, streamFailure, type InputFile } from './file-input';
import type { ImportItem } from './report';
import { decoderFor, detectEncoding, type TextEncoding } from './text-encoding';

/**
 * A user's CSV address list, streamed row by row, whatever spreadsheet wrote it: the encoding is
 * detected (text-encoding.ts), the delimiter sniffed (comma, semicolon, tab or pipe), quoted
 * fields with commas and line breaks read, columns found by name (address-rows.ts) or, in a file
 * without a header, every field of a row taken together as one one-line address. Blank lines and
 * rows of empty fields are passed over; short rows read as having empty trailing fields; a row
 * that repeats an address (or a location) already read is skipped as a duplicate.
 *
 *   readAddressCsv(file, { source, observedAt, notes }) → AsyncGenerator<ImportItem>
 */

const DELIMITERS = [',', ';', '\t', '|'] as const;
const SAMPLE_CHARS = 64 * 1024;

export interface CsvReadContext {
  source: string;
  observedAt: string;
  /** File-level observations for the report (encoding, delimiter, ignored columns). */
  notes: string[];
}

export async function* readAddressCsv(file: InputFile, ctx: CsvReadContext): AsyncGenerator<ImportItem> {
  const encoding = await detectEncoding(file);
  const sample = await readSample(file, encoding);
  if (sample.trim() === '') throw new ImportError('wrong-format', `${file.label} is empty: there are no rows to import.`);
  if (/^\s*<(!doctype html|html|\?xml)/i.test(sample)) {
    throw new ImportError('wrong-format', `${file.label} is a web page or XML, not a CSV file: save the list as CSV (comma-separated values) and import that.`);
  }
  // Control characters other than tab and line breaks do not occur in text: this is a binary file.
  const control = sample.match(/[\u0000-\u0008\u000B\u000E-\u001F\uFFFD]/g)?.length ?? 0;
  if (control > Math.max(2, sample.length * 0.01)) {
    throw new ImportError('wrong-format', `${file.label} is not a text file (a spreadsheet's own format, or damaged): save the list as CSV and import that.`);
  }
  const delimiter = sniffDelimiter(sample);
  ctx.notes.push(`Read as ${describeEncoding(encoding)} text with ${DELIMITER_NAMES[delimiter]}-separated columns.`);

  const parser = csvParser({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    trim: true,
    info: true,
  });
  const broken: ImportItem[] = [];
  parser.on('skip', (error: CsvError) => {
    const { lines } = error as unknown as { lines?: unknown };
    const line = typeof lines === 'number' ? lines : null;
    broken.push({ type: 'rejected', kind: 'unreadable-row', line, reason: `line ${line ?? '?'}: ${plainCsvError(error)}` });
  });
  const feeding = pipeline(openDecompressed(file), decoderFor(encoding), parser);
  feeding.catch(() => undefined); // the same failure reaches the loop below through the parser

  let columns: Map<AddressColumn, number> | null = null;
  let headerless = false;
  const seen = new Map<string, number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield* broken.splice(0);
      const line = info.lines;
      if (record.every((field) => field.trim() === '')) continue;
      if (columns === null && !headerless) {
        const header = mapHeader(record);
        if (isUsableHeader(header.columns)) {
          columns = header.columns;
          if (header.ignored.length > 0) ctx.notes.push(`Columns not used: ${header.ignored.slice(0, 12).join(', ')}${header.ignored.length > 12 ? ', …' : ''}.`);
          continue;
        }
        if (!/^\s*\d/.test(record[0] ?? '')) {
          throw new ImportError(
            'wrong-format',
            `${file.label} has no column Fish Mouth recognises as an address. Name the columns in the first row: address (or street, addr1), city, state, zip — or lat and lon. Its first row is: ${record.slice(0, 8).join(', ').slice(0, 200)}.`,
          );
        }
        headerless = true;
        ctx.notes.push('No header row: each row is read as one address.');
      }
      const values: RowValues = headerless ? { address: record.filter((f) => f.trim() !== '').join(', ') } : valuesOf(record, columns!);
      const item = observationFromRow(values, { source: ctx.source, observedAt: ctx.observedAt, where: `line ${line}`, line });
      if (item.type === 'property' && item.recordId) {
        const first = seen.get(item.recordId);
        if (first !== undefined) {
          yield { type: 'skipped', reason: 'duplicate row in the file (same address or location as an earlier row)' };
          continue;
        }
        seen.set(item.recordId, line);
      }
      const { recordId: _recordId, ...plain } = item;
      yield plain as ImportItem;
    }
    yield* broken.splice(0);
    await feeding;
  } catch (error) {
    throw streamFailure(error, file);
  }
}

/** csv-parse's messages in the words of someone fixing a spreadsheet. */
function plainCsvError(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field that starts on this line or above is never closed (a missing " mark)';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text follows the closing " of a field (a stray quote mark?)';
    default:
      return error.message;
  }
}

function isUsableHeader(columns: Map<AddressColumn, number>): boolean {
  return columns.has('address') || (columns.has('houseNumber') && columns.has('streetName')) || (columns.has('lat') && columns.has('lng'));
}

function valuesOf(record: readonly string[], columns: Map<AddressColumn, number>): RowValues {
  const values: RowValues = {};
  for (const [column, index] of columns) values[column] = record[index] ?? '';
  return values;
}

async function readSample(file: InputFile, encoding: TextEncoding): Promise<string> {
  const stream = openDecompressed(file).pipe(decoderFor(encoding));
  let text = '';
  try {
    for await (const chunk of stream) {
      text += String(chunk);
      if (text.length >= SAMPLE_CHARS) break;
    }
  } catch (error) {
    throw streamFailure(error, file);
  } finally {
    stream.destroy();
  }
  return text.replace(/^\uFEFF/, '');
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

function describeEncoding(encoding: TextEncoding): string {
  return { 'utf-8': 'UTF-8', 'utf-16le': 'UTF-16 (little-endian)', 'utf-16be': 'UTF-16 (big-endian)', 'windows-1252': 'Windows-1252' }[encoding];
}

/**
 * The delimiter that splits the first lines most consistently (the same count on most lines),
 * counting only outside quotes. Comma wins ties: it is what "CSV" means to most programs.
 */
export function sniffDelimiter(sample: string): string {
  const lines = sample.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 20);
  if (lines.length > 1 && sample.length >= SAMPLE_CHARS) lines.pop(); // the last sampled line may be cut short
  let best = { delimiter: ',' as string, score: 0 };
  for (const delimiter of DELIMITERS) {
    const counts = lines.map((line) => countOutsideQuotes(line, delimiter));
    const tally = new Map<number, number>();
    for (const count of counts) if (count > 0) tally.set(count, (tally.get(count) ?? 0) + 1);
    const [mode, lineCount] = [...tally].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] ?? [0, 0];
    const score = lineCount * 1000 + mode;
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (char === delimiter && !quoted) count += 1;
  }
  return count;
}

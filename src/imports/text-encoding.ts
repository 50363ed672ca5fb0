import iconv from 'iconv-lite';
import type { Readable, Transform } from 'node:stream';
import { openDecompressed, streamFailure, type InputFile } from './file-input';

/**
 * Which character encoding a text file a user saved is in, and a decoder for it. Spreadsheets
 * write UTF-8 with or without a byte-order mark, UTF-16 ("Unicode text") with one, or Windows-1252
 * ("CSV" from older Excel): a BOM decides; without one, zeros in every other byte mean UTF-16, a
 * file that is valid UTF-8 throughout is UTF-8, and anything else is read as Windows-1252 (which
 * every byte sequence is).
 *
 *   detectEncoding(file)    → 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' (reads the file once)
 *   decoderFor(encoding)    → a Transform from bytes to text, BOM removed
 */

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export async function detectEncoding(file: InputFile): Promise<TextEncoding> {
  const stream: Readable = openDecompressed(file);
  // Note: fatal decoding with { stream: true } checks sequences split across chunks too.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      if (first) {
        first = false;
        if (bytes[0] === 0xff && bytes[1] === 0xfe) return finish(stream, 'utf-16le');
        if (bytes[0] === 0xfe && bytes[1] === 0xff) return finish(stream, 'utf-16be');
        const unmarked = unmarkedUtf16(bytes);
        if (unmarked) return finish(stream, unmarked);
      }
      try {
        utf8.decode(bytes, { stream: true });
      } catch {
        return finish(stream, 'windows-1252');
      }
    }
    utf8.decode();
  } catch (error) {
    if (error instanceof TypeError) return 'windows-1252'; // the final, incomplete sequence
    throw streamFailure(error, file);
  }
  return 'utf-8';
}

/**
 * UTF-16 saved without a byte-order mark: plain-ASCII text then has a zero in every other byte,
 * at odd offsets for little-endian and even ones for big-endian.
 */
function unmarkedUtf16(bytes: Buffer): TextEncoding | null {
  const length = Math.min(bytes.length, 2000) & ~1;
  if (length < 8) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < length; i += 2) {
    if (bytes[i] === 0) evenZeros += 1;
    if (bytes[i + 1] === 0) oddZeros += 1;
  }
  const pairs = length / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return null;
}

function finish(stream: Readable, encoding: TextEncoding): TextEncoding {
  stream.destroy();
  return encoding;
}

export function decoderFor(encoding: TextEncoding): Transform {
  // iconv-lite strips a leading BOM for UTF-8 and UTF-16 by default.
  return iconv.decodeStream(encoding) as unknown as Transform;
}

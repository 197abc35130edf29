/**
 * Reading standard input one line at a time, as bytes.
 *
 * @module
 */

/** Options for {@linkcode readLines}. */
export interface ReadLinesOptions {
  /**
   * The longest line to keep, in bytes. A longer line is yielded cut to
   * `maxBytes + 1` bytes, so the caller can tell it was too long, as soon as
   * that is known (before the line ends); the rest of it is skipped up to
   * its end, never kept. No limit by default.
   */
  maxBytes?: number;
}

/**
 * Yields each line of a byte stream without its line ending (`\n` or
 * `\r\n`). Bytes are kept as they are, so text that is not valid UTF-8
 * passes through untouched. A last line with no newline is yielded too.
 *
 * Each byte is looked at once and copied at most once, however long the
 * line: the time taken grows with the input, not with its square.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { readLines } from "./stdin.ts";
 *
 * const stream = ReadableStream.from([new TextEncoder().encode("a\r\nb")]);
 * const lines = [];
 * for await (const line of readLines(stream)) lines.push(new TextDecoder().decode(line));
 * assertEquals(lines, ["a", "b"]);
 * ```
 *
 * @example A line past `maxBytes` is cut to one byte more
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { readLines } from "./stdin.ts";
 *
 * const stream = ReadableStream.from([new TextEncoder().encode("abcdef\nok")]);
 * const lengths = [];
 * for await (const line of readLines(stream, { maxBytes: 3 })) lengths.push(line.length);
 * assertEquals(lengths, [4, 2]);
 * ```
 *
 * @param stream Usually `Deno.stdin.readable`.
 * @param options The longest line to keep.
 * @returns The lines, as bytes.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  options: ReadLinesOptions = {},
): AsyncGenerator<Uint8Array> {
  const limit = options.maxBytes ?? Infinity;
  // The line so far, as the pieces of chunks it came in, joined once when it
  // ends. Two bytes past the limit are enough to know a line is too long
  // (one could be the CR of a CRLF); once known, the rest is skipped.
  let pieces: Uint8Array[] = [];
  let length = 0;
  let skipping = false;
  function take(): Uint8Array {
    const line = pieces.length === 1 ? pieces[0] : new Uint8Array(length);
    if (pieces.length > 1) {
      let at = 0;
      for (const piece of pieces) {
        line.set(piece, at);
        at += piece.length;
      }
    }
    pieces = [];
    length = 0;
    return line;
  }
  for await (const chunk of stream) {
    for (let start = 0; start < chunk.length;) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!skipping) {
        const piece = chunk.subarray(
          start,
          Math.min(end, start + limit + 2 - length),
        );
        if (piece.length > 0) pieces.push(piece);
        length += piece.length;
        if (length > limit + 1) {
          yield take().subarray(0, limit + 1);
          skipping = true;
        } else if (newline !== -1) {
          yield withoutCarriageReturn(take());
        }
      }
      if (newline === -1) break;
      skipping = false;
      start = newline + 1;
    }
  }
  if (length > 0) yield withoutCarriageReturn(take());
}

function withoutCarriageReturn(line: Uint8Array): Uint8Array {
  return line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
}

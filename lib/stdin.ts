/**
 * Reading standard input one line at a time, as bytes.
 *
 * @module
 */

/** Options for {@linkcode readLines}. */
export interface ReadLinesOptions {
  /**
   * The longest line to keep, in bytes. A longer line is yielded cut to
   * `maxBytes + 1` bytes, so the caller can tell it was too long; the rest
   * of it is read up to its end and dropped, never kept. No limit by default.
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
  // The line so far: the pieces of chunks it is kept in (joined once, when
  // it ends), how many bytes they hold, and how long the line really is.
  let pieces: Uint8Array[] = [];
  let kept = 0;
  let length = 0;
  let lastByte = -1;
  function add(piece: Uint8Array): void {
    if (piece.length === 0) return;
    length += piece.length;
    lastByte = piece[piece.length - 1];
    const room = limit + 1 - kept;
    if (room <= 0) return;
    const part = piece.length > room ? piece.subarray(0, room) : piece;
    pieces.push(part);
    kept += part.length;
  }
  function takeLine(): Uint8Array {
    const joined = pieces.length === 1 ? pieces[0] : new Uint8Array(kept);
    if (pieces.length > 1) {
      let at = 0;
      for (const piece of pieces) {
        joined.set(piece, at);
        at += piece.length;
      }
    }
    // A final CR is part of the line ending; a line too long is cut.
    const size = length - (lastByte === 0x0d ? 1 : 0);
    const line = joined.subarray(0, size <= limit ? size : limit + 1);
    pieces = [];
    kept = 0;
    length = 0;
    lastByte = -1;
    return line;
  }
  for await (const chunk of stream) {
    let start = 0;
    for (let newline; (newline = chunk.indexOf(0x0a, start)) !== -1;) {
      add(chunk.subarray(start, newline));
      yield takeLine();
      start = newline + 1;
    }
    add(chunk.subarray(start));
  }
  if (length > 0) yield takeLine();
}

/**
 * Reading standard input one line at a time, as bytes.
 *
 * @module
 */

/**
 * Yields each line of a byte stream without its line ending (`\n` or
 * `\r\n`). Bytes are kept as they are, so text that is not valid UTF-8
 * passes through untouched. A last line with no newline is yielded too.
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
 * @param stream Usually `Deno.stdin.readable`.
 * @returns The lines, as bytes.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let rest = new Uint8Array(0);
  for await (const chunk of stream) {
    const joined = new Uint8Array(rest.length + chunk.length);
    joined.set(rest);
    joined.set(chunk, rest.length);
    let start = 0;
    for (let newline; (newline = joined.indexOf(0x0a, start)) !== -1;) {
      yield withoutCarriageReturn(joined.subarray(start, newline));
      start = newline + 1;
    }
    rest = joined.slice(start);
  }
  if (rest.length > 0) yield withoutCarriageReturn(rest);
}

function withoutCarriageReturn(line: Uint8Array): Uint8Array {
  return line.at(-1) === 0x0d ? line.subarray(0, -1) : line;
}

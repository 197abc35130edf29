/**
 * Buffered output for servers that log one line per datagram.
 *
 * `console.log` writes to stdout once per call, and a busy server then spends
 * most of its time writing. {@linkcode printLine} collects lines and writes
 * them together: at once when the buffer is large, otherwise a few
 * milliseconds later, so a person watching the terminal still sees each line
 * as it happens.
 *
 * @module
 */

const FLUSH_BYTES = 64 * 1024;
const FLUSH_DELAY_MS = 5;
const encoder = new TextEncoder();

let pending: string[] = [];
let pendingLength = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * Queues one line for stdout; a newline is added.
 *
 * @example
 * ```ts
 * import { flushOutput, printLine } from "./output.ts";
 *
 * printLine("hello");
 * flushOutput(); // written now rather than in a few milliseconds
 * ```
 *
 * @param line The text, without its newline.
 */
export function printLine(line: string): void {
  pending.push(line);
  pendingLength += line.length + 1;
  if (pendingLength >= FLUSH_BYTES) {
    flushOutput();
  } else if (timer === undefined) {
    const id = setTimeout(flushOutput, FLUSH_DELAY_MS);
    Deno.unrefTimer(id);
    timer = id;
  }
}

/**
 * Writes every queued line to stdout now. Call it before the process exits.
 *
 * If stdout has been closed (the reader of a pipe went away), the lines are
 * dropped rather than crashing the program.
 *
 * @example
 * ```ts
 * import { flushOutput } from "./output.ts";
 *
 * flushOutput();
 * ```
 */
export function flushOutput(): void {
  if (timer !== undefined) {
    clearTimeout(timer);
    timer = undefined;
  }
  if (pending.length === 0) return;
  pending.push("");
  const bytes = encoder.encode(pending.join("\n"));
  pending = [];
  pendingLength = 0;
  try {
    let written = 0;
    while (written < bytes.length) {
      written += Deno.stdout.writeSync(bytes.subarray(written));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

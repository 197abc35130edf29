/**
 * The servers' log: one line per datagram, written so that serving never
 * waits on it.
 *
 * `console.log` writes synchronously: when stdout is a pipe nobody reads,
 * the write blocks and the server stops answering. Here a line goes into a
 * bounded queue and is written asynchronously, in batches: at once when the
 * log is idle (a person at a terminal sees each line as it happens), and
 * together with the lines that came meanwhile when the last write was less
 * than 5 ms ago, so a busy server writes once per batch, not per datagram.
 * When the queue is full, lines are dropped and counted, and a line such as
 * `… 1,234 log lines dropped` follows once the log drains.
 *
 * @module
 */

/** How many characters may wait to be written before lines are dropped. */
export const MAX_QUEUED_CHARS = 1 << 20;

/** How soon after a write the next one waits for more lines to gather. */
const GATHER_MS = 5;

const encoder = new TextEncoder();

/** A bounded, asynchronous, batched writer of lines. */
class LineWriter {
  #queue: string[] = [];
  #queued = 0;
  #dropped = 0;
  #draining: Promise<void> | undefined;
  #lastWrite = -Infinity;
  #buffer = new Uint8Array(64 * 1024);
  #stream: { write(bytes: Uint8Array): Promise<number> };

  constructor(stream: { write(bytes: Uint8Array): Promise<number> }) {
    this.#stream = stream;
  }

  write(line: string): void {
    if (this.#queued + line.length >= MAX_QUEUED_CHARS) {
      this.#dropped++;
      return;
    }
    this.#queue.push(line);
    this.#queued += line.length + 1;
    this.#draining ??= this.#drain();
  }

  /** Resolves once every queued line is written. */
  drained(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Busy: let the lines of a few more datagrams gather first, so a
        // server writes once per batch rather than once per datagram. Idle:
        // write at once, so a person sees each line as it happens.
        if (performance.now() - this.#lastWrite < GATHER_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
        let text = this.#queue.join("\n") + "\n";
        this.#queue = [];
        this.#queued = 0;
        // Encoded piece by piece into one buffer: a busy log allocates nothing
        // per batch, so memory stays flat however long it runs.
        while (text.length > 0) {
          const { read, written } = encoder.encodeInto(text, this.#buffer);
          text = text.slice(read);
          for (let done = 0; done < written;) {
            done += await this.#stream.write(
              this.#buffer.subarray(done, written),
            );
          }
        }
        this.#lastWrite = performance.now();
        if (this.#dropped > 0) {
          // The count goes in even when the queue is full again, or it would
          // be lost with the lines it counts.
          const count = this.#dropped.toLocaleString("en-US");
          this.#dropped = 0;
          this.#queue.push(`… ${count} log lines dropped`);
        }
      }
    } catch {
      // The reader went away (a closed pipe): nothing more can be shown.
      this.#queue = [];
      this.#queued = 0;
    } finally {
      this.#draining = undefined;
    }
  }
}

const stdout = new LineWriter(Deno.stdout);
const stderr = new LineWriter(Deno.stderr);

/**
 * Queues one line for stdout; it never blocks and never throws.
 *
 * @example
 * ```ts
 * import { log } from "./log.ts";
 *
 * log("echo server listening on 127.0.0.1:8888");
 * ```
 *
 * @param line The text, without its newline.
 */
export function log(line: string): void {
  stdout.write(line);
}

/**
 * Queues one line for stderr, as {@linkcode log} does for stdout.
 *
 * @param line The text, without its newline.
 */
export function warn(line: string): void {
  stderr.write(line);
}

/**
 * Waits until every queued line is written, or `timeoutMs` has passed.
 *
 * @example
 * ```ts
 * import { flushLog, log } from "./log.ts";
 *
 * log("bye");
 * await flushLog();
 * ```
 *
 * @param timeoutMs The longest wait.
 */
export async function flushLog(timeoutMs = 500): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([
    Promise.all([stdout.drained(), stderr.drained()]),
    timeout,
  ]);
  clearTimeout(timer);
}

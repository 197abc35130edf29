/**
 * The servers' log: one line per datagram, written so that serving never
 * waits on it.
 *
 * `console.log` writes synchronously: when stdout is a pipe nobody reads,
 * the write blocks and the server stops answering. Here a line goes into a
 * bounded queue and is written asynchronously, in batches: at once when the
 * log is idle (a person at a terminal sees each line as it happens), and
 * together with the lines that came meanwhile when a write is under way.
 * When the queue is full, lines are dropped and counted, and a line such as
 * `… 1,234 log lines dropped` follows once the log drains.
 *
 * @module
 */

/** How many characters may wait to be written before lines are dropped. */
export const MAX_QUEUED_CHARS = 1 << 20;

const encoder = new TextEncoder();

/** A bounded, asynchronous, batched writer of lines. */
class LineWriter {
  #queue: string[] = [];
  #queued = 0;
  #dropped = 0;
  #draining: Promise<void> | undefined;
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
        const bytes = encoder.encode(this.#queue.join("\n") + "\n");
        this.#queue = [];
        this.#queued = 0;
        for (let done = 0; done < bytes.length;) {
          done += await this.#stream.write(bytes.subarray(done));
        }
        if (this.#dropped > 0) {
          const count = this.#dropped.toLocaleString("en-US");
          this.#dropped = 0;
          this.write(`… ${count} log lines dropped`);
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

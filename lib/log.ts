/**
 * The servers' log: one line per datagram, written so that serving never
 * waits on it.
 *
 * `console.log` writes synchronously: when stdout is a pipe nobody reads,
 * the write blocks and the server stops answering. Here a line goes into a
 * bounded buffer of bytes and is written asynchronously, in batches: at once
 * when the log is idle (a person at a terminal sees each line as it
 * happens); when the last write was less than 5 ms ago, the lines gather
 * until those 5 ms are up, so a busy server writes once per batch, not per
 * datagram. Once a batch has held more than one line, the log is busy and
 * the lines gather for 20 ms: each write costs the server time whatever it
 * holds, so fewer, larger writes leave more for answering. When the buffer
 * is full, lines are dropped and counted, and a line such as
 * `… 1,234 log lines dropped` follows once the log drains.
 *
 * A tagged line, ``log`Message[${from}] - ${data}` ``, is built straight into
 * that buffer: its fixed text encoded once per call site, plain ASCII bytes
 * copied as they are, and no string made for it.
 *
 * @module
 */
import { getColorEnabled } from "jsr:@std/fmt@^1/colors";
import { formatAddress } from "./net.ts";
import { safeText, shownAsIs } from "./text.ts";

/** How many bytes of log may wait to be written before lines are dropped. */
export const MAX_QUEUED_BYTES = 1 << 20;

/** How soon after a write the next one waits for more lines to gather. */
const GATHER_MS = 5;

/** The same, once a batch has held more than one line: the log is busy. */
const BUSY_GATHER_MS = 20;

/** Room kept for the line that counts dropped lines. */
const SUMMARY_ROOM = 64;

/** What a tagged {@linkcode log} line may show. */
export type LogValue = string | number | Deno.Addr | Uint8Array;

const encoder = new TextEncoder();
const NEWLINE = 0x0a;
/** What `cyan()` of `@std/fmt` puts around its text. */
const CYAN_OPEN = encoder.encode("\x1b[36m");
const CYAN_CLOSE = encoder.encode("\x1b[39m");

/** The fixed text of each call site, encoded once. */
const encodedParts = new WeakMap<TemplateStringsArray, Uint8Array[]>();

/** A bounded, asynchronous, batched writer of lines. */
class LineWriter {
  /** The lines waiting to be written. */
  #pending = new Uint8Array(MAX_QUEUED_BYTES + SUMMARY_ROOM);
  /** The batch being written: the two swap after each write. */
  #writing = new Uint8Array(MAX_QUEUED_BYTES + SUMMARY_ROOM);
  #length = 0;
  /** Where the line being built started, and whether it still fits. */
  #lineStart = 0;
  #fits = true;
  #dropped = 0;
  #draining: Promise<void> | undefined;
  #lastWrite = -Infinity;
  #busy = false;
  #lastHost = "";
  #lastStrings: TemplateStringsArray | undefined;
  #lastParts: Uint8Array[] = [];
  #hostBytes = new Uint8Array();
  #stream: { write(bytes: Uint8Array): Promise<number> };

  constructor(stream: { write(bytes: Uint8Array): Promise<number> }) {
    this.#stream = stream;
  }

  line(text: string): void {
    this.#begin();
    this.#text(text);
    this.#end();
  }

  tagged(strings: TemplateStringsArray, values: LogValue[]): void {
    // A server logs from one call site over and over: its parts are kept at
    // hand, and the map (a slower lookup) is asked only when the site changes.
    if (strings !== this.#lastStrings) {
      let parts = encodedParts.get(strings);
      if (parts === undefined) {
        parts = strings.map((part) => encoder.encode(part));
        encodedParts.set(strings, parts);
      }
      this.#lastStrings = strings;
      this.#lastParts = parts;
    }
    const parts = this.#lastParts;
    this.#begin();
    for (let i = 0; i < values.length; i++) {
      this.#bytes(parts[i]);
      this.#value(values[i]);
    }
    this.#bytes(parts[values.length]);
    this.#end();
  }

  /** Resolves once every queued line is written. */
  drained(): Promise<void> {
    return this.#draining ?? Promise.resolve();
  }

  #begin(): void {
    this.#lineStart = this.#length;
    this.#fits = true;
  }

  #end(limit = MAX_QUEUED_BYTES): void {
    if (this.#fits && this.#length < limit) {
      this.#pending[this.#length++] = NEWLINE;
      this.#draining ??= this.#drain();
    } else {
      this.#length = this.#lineStart;
      this.#dropped++;
    }
  }

  #value(value: LogValue): void {
    if (value instanceof Uint8Array) {
      // Network bytes: as they are when plain ASCII, else escaped.
      const end = shownAsIs(value, { trimEnd: true });
      if (end === undefined) this.#text(safeText(value, { trimEnd: true }));
      else this.#bytes(value, end);
    } else if (typeof value === "object") {
      this.#address(value);
    } else {
      this.#text(String(value));
    }
  }

  /** `HOST:PORT`; a client sends many datagrams, so its host is kept. */
  #address(addr: Deno.Addr): void {
    if (addr.transport !== "udp" && addr.transport !== "tcp") {
      this.#text(addr.transport);
      return;
    }
    const color = getColorEnabled();
    if (color) this.#bytes(CYAN_OPEN);
    if (addr.hostname !== this.#lastHost) {
      const text = formatAddress(addr);
      this.#lastHost = addr.hostname;
      this.#hostBytes = encoder.encode(text.slice(0, text.lastIndexOf(":")));
    }
    this.#bytes(this.#hostBytes);
    this.#port(addr.port);
    if (color) this.#bytes(CYAN_CLOSE);
  }

  /** Copies `bytes` up to `end`, byte by byte: most lines are short. */
  #bytes(bytes: Uint8Array, end = bytes.length): void {
    if (!this.#fits || this.#length + end > MAX_QUEUED_BYTES) {
      this.#fits = false;
      return;
    }
    const pending = this.#pending;
    let at = this.#length;
    for (let i = 0; i < end; i++) pending[at++] = bytes[i];
    this.#length = at;
  }

  /** `:` and the port's digits, written without making a string. */
  #port(port: number): void {
    if (!this.#fits || this.#length + 6 > MAX_QUEUED_BYTES) {
      this.#fits = false;
      return;
    }
    let digits = 1;
    for (let rest = port; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    this.#pending[this.#length] = 0x3a; // ":"
    for (let i = digits, rest = port; i > 0; i--) {
      this.#pending[this.#length + i] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.#length += digits + 1;
  }

  #text(text: string, limit = MAX_QUEUED_BYTES): void {
    if (!this.#fits) return;
    const room = this.#pending.subarray(this.#length, limit);
    const { read, written } = encoder.encodeInto(text, room);
    if (read < text.length) this.#fits = false;
    else this.#length += written;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#length > 0) {
        // Soon after a write: let lines gather until GATHER_MS after it (or
        // BUSY_GATHER_MS once batches hold several lines), so a server writes
        // once per batch rather than once per datagram. Idle: write at once,
        // so a person sees each line as it happens.
        const gather = this.#busy ? BUSY_GATHER_MS : GATHER_MS;
        const wait = gather - (performance.now() - this.#lastWrite);
        if (wait > 0) await new Promise((done) => setTimeout(done, wait));
        // The two buffers swap: lines go on gathering while a batch is
        // written, and nothing is allocated however long the log runs.
        const batch = this.#pending;
        const length = this.#length;
        this.#pending = this.#writing;
        this.#writing = batch;
        this.#length = 0;
        this.#busy = batch.indexOf(NEWLINE) < length - 1;
        for (let done = 0; done < length;) {
          done += await this.#stream.write(batch.subarray(done, length));
        }
        this.#lastWrite = performance.now();
        if (this.#dropped > 0) {
          // The count goes in even when the buffer is full again (it has
          // room kept for it), or it would be lost with the lines it counts.
          const count = this.#dropped.toLocaleString("en-US");
          this.#dropped = 0;
          this.#begin();
          this.#text(`… ${count} log lines dropped`, this.#pending.length);
          this.#end(this.#pending.length);
        }
      }
    } catch {
      // The reader went away (a closed pipe): nothing more can be shown.
      this.#length = 0;
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
 * Called with a string, it logs that string. Used as a tag, it builds the
 * line from its parts: an address (`Deno.Addr`) shows as `HOST:PORT`, in
 * cyan on a terminal; bytes (`Uint8Array`) show as
 * `safeText(bytes, { trimEnd: true })` would show them; strings and numbers
 * as they are.
 *
 * @example
 * ```ts
 * import { log } from "./log.ts";
 *
 * log("echo server listening on 127.0.0.1:8888");
 * const from = { transport: "udp", hostname: "127.0.0.1", port: 40000 } as const;
 * const data = new TextEncoder().encode("hello\n");
 * log`Message[${from}] - ${data}`; // Message[127.0.0.1:40000] - hello
 * ```
 *
 * @param line The text, without its newline; or, as a tag, the template.
 * @param values The template's values.
 */
export function log(line: string): void;
export function log(strings: TemplateStringsArray, ...values: LogValue[]): void;
export function log(
  line: string | TemplateStringsArray,
  ...values: LogValue[]
): void {
  if (typeof line === "string") stdout.line(line);
  else stdout.tagged(line, values);
}

/**
 * Queues one line for stderr, as {@linkcode log} does for stdout.
 *
 * @param line The text, without its newline.
 */
export function warn(line: string): void {
  stderr.line(line);
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

/**
 * Making bytes from the network safe to print.
 *
 * A datagram can hold anything: terminal escape sequences that clear the
 * screen or retitle the window, bidi overrides that reorder what a reader
 * sees, invisible characters that make `ad\u200bmin` look like `admin`,
 * invalid UTF-8, or 64 KiB of noise. {@linkcode safeText} turns any bytes
 * into one printable line that shows exactly what came.
 *
 * @module
 */

/** How many bytes of a payload {@linkcode safeText} shows by default. */
export const DEFAULT_SHOWN_BYTES = 200;

/** Options for {@linkcode safeText}. */
export interface SafeTextOptions {
  /** Show at most this many bytes, then note the full size. Default 200. */
  maxBytes?: number;
  /**
   * Drop trailing spaces, tabs and line breaks first (as Python's `rstrip`).
   * One final line break (`\n`, `\r\n` or `\r`) goes without a word; if
   * more was dropped, the full size is noted.
   */
  trimEnd?: boolean;
}

/**
 * Renders bytes as one line that is safe to print on a terminal.
 *
 * Valid UTF-8 text is kept. Control characters (C0, DEL, C1), bidi controls,
 * line separators and characters that show nothing or may show anything
 * (zero-width and other format characters, the soft hyphen, tags, private
 * use, noncharacters) are shown escaped (`\n`, `\x1b`, `\u202e`,
 * `\u{e0041}`), as is the backslash itself, so the output is never
 * ambiguous. Bytes that are not valid UTF-8 are shown as `\xNN`. A payload
 * longer than `maxBytes` is cut at a character boundary; whenever bytes are
 * left out, the full size is noted.
 *
 * @example Escapes a terminal escape sequence
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { safeText } from "./text.ts";
 *
 * const bytes = new TextEncoder().encode("\x1b[2Jhi\n");
 * assertEquals(safeText(bytes), "\\x1b[2Jhi\\n");
 * ```
 *
 * @example Shows an invisible character
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { safeText } from "./text.ts";
 *
 * const bytes = new TextEncoder().encode("ad\u200bmin");
 * assertEquals(safeText(bytes), "ad\\u200bmin");
 * ```
 *
 * @example Notes the size of what trimming left out
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { safeText } from "./text.ts";
 *
 * const bytes = new TextEncoder().encode("OK" + " ".repeat(60_000));
 * assertEquals(safeText(bytes, { trimEnd: true }), "OK [… 60002 bytes in all]");
 * ```
 *
 * @param bytes The payload as received.
 * @param options How much to show, and whether to trim trailing whitespace.
 * @returns A single line with no raw control, bidi or invisible characters.
 */
export function safeText(
  bytes: Uint8Array,
  options: SafeTextOptions = {},
): string {
  const maxBytes = options.maxBytes ?? DEFAULT_SHOWN_BYTES;
  const end = trimmedEnd(bytes, options);
  // What trimming dropped goes unnoted only if it is one line break.
  const trimmedQuietly = end === bytes.length ||
    isLineBreak(bytes.subarray(end));
  // Most payloads are plain printable ASCII: that part is shown in one go.
  let i = plainAsciiLength(bytes, Math.min(end, maxBytes));
  const parts = [asciiDecoder.decode(bytes.subarray(0, i))];
  while (i < end && i < maxBytes) {
    const length = sequenceLength(bytes, i, end);
    if (length === 0) {
      parts.push(`\\x${hex(bytes[i])}`);
      i += 1;
      continue;
    }
    if (i + length > maxBytes) break;
    parts.push(escapeCodePoint(decodeAt(bytes, i, length)));
    i += length;
  }
  // One join, not a `+=` per character: a string built by `+=` is a chain
  // of pieces, about 32 bytes each, until something reads it, and a caller
  // may keep the text a while before it does.
  const out = parts.length === 1 ? parts[0] : parts.join("");
  if (i < end || !trimmedQuietly) return withSize(out, bytes.length);
  return out;
}

/**
 * How many leading bytes {@linkcode safeText} would show exactly as they
 * are, when that is all it would show: plain printable ASCII, no longer than
 * `maxBytes`, with at most one final line break trimmed. Otherwise
 * `undefined`. The log writer copies such bytes without decoding them.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { shownAsIs } from "./text.ts";
 *
 * const encode = (text: string) => new TextEncoder().encode(text);
 * assertEquals(shownAsIs(encode("hello\n"), { trimEnd: true }), 5);
 * assertEquals(shownAsIs(encode("\x1b[2J"), { trimEnd: true }), undefined);
 * ```
 *
 * @param bytes The payload as received.
 * @param options As for {@linkcode safeText}.
 * @returns The number of bytes shown, or `undefined`.
 */
export function shownAsIs(
  bytes: Uint8Array,
  options: SafeTextOptions = {},
): number | undefined {
  const end = trimmedEnd(bytes, options);
  if (end < bytes.length && !isLineBreak(bytes.subarray(end))) return;
  if (end > (options.maxBytes ?? DEFAULT_SHOWN_BYTES)) return;
  return plainAsciiLength(bytes, end) === end ? end : undefined;
}

const encoder = new TextEncoder();

/**
 * Renders text from the user (a flag's value, a host name, a message) as one
 * line that is safe to print: the same escapes as {@linkcode safeText}, bidi
 * controls and terminal escapes included, and nothing cut. Text typed or
 * pasted on a command line can hold them as well as a datagram can.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { safeString } from "./text.ts";
 *
 * assertEquals(safeString("abc\u202Etxt.exe"), "abc\\u202etxt.exe");
 * ```
 *
 * @param text The text as given.
 * @returns A single line with no raw control, bidi or invisible characters.
 */
export function safeString(text: string): string {
  return safeText(encoder.encode(text), { maxBytes: Infinity });
}

/**
 * {@linkcode safeString} in double quotes, with a quote inside shown as
 * `\"`: a value named inside a message, as in `not "70000"`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { quoted } from "./text.ts";
 *
 * assertEquals(quoted('say "hi"\x1b[2J'), '"say \\"hi\\"\\x1b[2J"');
 * ```
 *
 * @param text The text as given.
 * @returns The text made safe, in double quotes.
 */
export function quoted(text: string): string {
  return `"${safeString(text).replaceAll('"', '\\"')}"`;
}

/** Where the bytes end once trailing whitespace is trimmed, if it is. */
function trimmedEnd(bytes: Uint8Array, options: SafeTextOptions): number {
  let end = bytes.length;
  while (options.trimEnd && end > 0 && isTrailingSpace(bytes[end - 1])) end--;
  return end;
}

/** Appends the note of the full size, as in `abc [… 60002 bytes in all]`. */
function withSize(shown: string, size: number): string {
  const note = `[… ${size} bytes in all]`;
  return shown === "" ? note : `${shown} ${note}`;
}

const asciiDecoder = new TextDecoder();

/** How many of the first `end` bytes are printable ASCII other than `\`. */
function plainAsciiLength(bytes: Uint8Array, end: number): number {
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte < 0x20 || byte > 0x7e || byte === 0x5c) return i;
  }
  return end;
}

function isTrailingSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** True if `bytes` is one line break: `\n`, `\r\n` or `\r`. */
function isLineBreak(bytes: Uint8Array): boolean {
  if (bytes.length === 1) return bytes[0] === 0x0a || bytes[0] === 0x0d;
  return bytes.length === 2 && bytes[0] === 0x0d && bytes[1] === 0x0a;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

const NAMED_ESCAPES: Record<number, string> = {
  0x09: "\\t",
  0x0a: "\\n",
  0x0d: "\\r",
  0x5c: "\\\\",
};

function escapeCodePoint(codePoint: number): string {
  const named = NAMED_ESCAPES[codePoint];
  if (named !== undefined) return named;
  if (codePoint < 0x20 || codePoint === 0x7f) return `\\x${hex(codePoint)}`;
  if (isInvisibleOrControl(codePoint)) {
    const digits = codePoint.toString(16);
    return codePoint > 0xffff
      ? `\\u{${digits}}`
      : `\\u${digits.padStart(4, "0")}`;
  }
  return String.fromCodePoint(codePoint);
}

/**
 * C1 controls; bidi controls; line and paragraph separators; characters that
 * show nothing (zero-width, format and invisible operator characters, the
 * soft hyphen, the BOM, tags); and those that may show anything or nothing
 * (private use, interlinear annotation, noncharacters U+FFFE and U+FFFF).
 */
function isInvisibleOrControl(codePoint: number): boolean {
  if (codePoint < 0x2000) {
    return (codePoint >= 0x80 && codePoint <= 0x9f) ||
      codePoint === 0x00ad || // soft hyphen
      codePoint === 0x061c || // Arabic letter mark
      codePoint === 0x180e; // Mongolian vowel separator
  }
  if (codePoint <= 0xffff) {
    return (codePoint >= 0x200b && codePoint <= 0x200f) || // zero-width, LRM, RLM
      (codePoint >= 0x2028 && codePoint <= 0x202e) || // separators, embeddings
      (codePoint >= 0x2060 && codePoint <= 0x206f) || // word joiner … isolates
      (codePoint >= 0xe000 && codePoint <= 0xf8ff) || // private use
      codePoint === 0xfeff || // byte order mark
      (codePoint >= 0xfff9 && codePoint <= 0xfffb) || // interlinear annotation
      codePoint === 0xfffe || codePoint === 0xffff; // noncharacters
  }
  return (codePoint >= 0xe0000 && codePoint <= 0xe007f) || // tags
    codePoint >= 0xf0000; // private use, planes 15 and 16
}

/**
 * Length of the valid UTF-8 sequence starting at `i`, or 0 if the byte there
 * does not start one (stray continuation byte, overlong form, surrogate, or a
 * sequence cut short by `end`).
 */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const first = bytes[i];
  if (first < 0x80) return 1;
  let length: number;
  let min: number;
  if (first >= 0xc2 && first <= 0xdf) [length, min] = [2, 0x80];
  else if (first >= 0xe0 && first <= 0xef) [length, min] = [3, 0x800];
  else if (first >= 0xf0 && first <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (i + length > end) return 0;
  for (let k = 1; k < length; k++) {
    if ((bytes[i + k] & 0xc0) !== 0x80) return 0;
  }
  const codePoint = decodeAt(bytes, i, length);
  if (codePoint < min || codePoint > 0x10ffff) return 0;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 0;
  return length;
}

function decodeAt(bytes: Uint8Array, i: number, length: number): number {
  if (length === 1) return bytes[i];
  let codePoint = bytes[i] & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    codePoint = (codePoint << 6) | (bytes[i + k] & 0x3f);
  }
  return codePoint;
}

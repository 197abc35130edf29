/**
 * The RFC 868 Time Protocol: a time as 4 bytes, big-endian, counting seconds
 * since 1900-01-01T00:00:00Z.
 *
 * The count is 32 bits, so it wraps on 2036-02-07T06:28:16Z. We read values
 * below 2^31 (dates before 1968 if taken literally) as coming after the wrap,
 * which covers every date from 1968 to 2104.
 *
 * @module
 */

/** Seconds from 1900-01-01 (RFC 868's epoch) to 1970-01-01 (Unix's). */
export const SECONDS_1900_TO_1970 = 2_208_988_800;

const WRAP = 2 ** 32;
const HALF = 2 ** 31;

/**
 * Encodes a date as the 4-byte RFC 868 reply, whole seconds, modulo 2^32,
 * into `bytes` if given (a server can reuse one array), else a new array.
 *
 * @example The Unix epoch
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { encodeTime } from "./time.ts";
 *
 * assertEquals(encodeTime(new Date(0)), new Uint8Array([0x83, 0xaa, 0x7e, 0x80]));
 * ```
 *
 * @param date The time to send.
 * @param bytes Where to write the four bytes.
 * @returns `bytes`: four bytes, most significant first.
 */
// #region encode
export function encodeTime(
  date: Date,
  bytes: Uint8Array = new Uint8Array(4),
): Uint8Array {
  const seconds = Math.floor(date.getTime() / 1000) + SECONDS_1900_TO_1970;
  new DataView(bytes.buffer, bytes.byteOffset, 4)
    .setUint32(0, ((seconds % WRAP) + WRAP) % WRAP);
  return bytes;
}
// #endregion encode

/**
 * Decodes a 4-byte RFC 868 reply, reading values past the 2036 wrap correctly.
 *
 * @example A date after the wrap
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { decodeTime, encodeTime } from "./time.ts";
 *
 * const date = new Date("2040-01-01T00:00:00Z");
 * assertEquals(decodeTime(encodeTime(date)), date);
 * ```
 *
 * @param bytes Exactly four bytes.
 * @returns The date they name.
 * @throws {RangeError} If `bytes` is not exactly 4 bytes long.
 */
// #region decode
export function decodeTime(bytes: Uint8Array): Date {
  if (bytes.length !== 4) {
    throw new RangeError(
      `an RFC 868 time is 4 bytes, but ${bytes.length} came`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  let seconds = view.getUint32(0);
  if (seconds < HALF) seconds += WRAP;
  return new Date((seconds - SECONDS_1900_TO_1970) * 1000);
}
// #endregion decode

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/**
 * Formats a date the way C's `ctime()` and Python's `time.ctime()` do, in
 * local time, or in UTC when asked.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { ctime } from "./time.ts";
 *
 * const date = new Date("2016-03-20T09:29:09Z");
 * assertEquals(ctime(date, { utc: true }), "Sun Mar 20 09:29:09 2016");
 * ```
 *
 * @param date The time to show.
 * @param options `utc: true` for UTC instead of the local time zone.
 * @returns Text such as `Sun Mar 20 09:29:09 2016`.
 */
export function ctime(date: Date, options: { utc?: boolean } = {}): string {
  const utc = options.utc ?? false;
  const day = utc ? date.getUTCDay() : date.getDay();
  const month = utc ? date.getUTCMonth() : date.getMonth();
  const dayOfMonth = utc ? date.getUTCDate() : date.getDate();
  const hours = utc ? date.getUTCHours() : date.getHours();
  const minutes = utc ? date.getUTCMinutes() : date.getMinutes();
  const seconds = utc ? date.getUTCSeconds() : date.getSeconds();
  const year = utc ? date.getUTCFullYear() : date.getFullYear();
  const clock = [hours, minutes, seconds]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
  return `${DAYS[day]} ${MONTHS[month]} ${
    String(dayOfMonth).padStart(2)
  } ${clock} ${year}`;
}

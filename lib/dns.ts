/**
 * Reading DNS messages (RFC 1035) safely: the header, names with their
 * compression pointers, and the records a short `dig` prints.
 *
 * A reply comes from the network, so every length, count and pointer in it
 * may lie. {@linkcode parseMessage} checks each one before it trusts it and
 * throws a {@linkcode DnsFormatError} that says in one line what was wrong
 * and where: a compression pointer that loops or points past the end, counts
 * larger than the message, a label over 63 bytes, a name over 255 bytes. It
 * never loops, never reads past the end, and its work grows with the
 * message's length alone. Names and text come out escaped, safe to print.
 *
 * Building the query is not here: `scripts/dns_client.ts` packs it byte by
 * byte, since that is its lesson.
 *
 * @module
 */
import { safeText } from "./text.ts";

/** The record types the client asks for and prints, by name. */
export const RECORD_TYPES = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
} as const;

/** The class of every record on the Internet: IN. */
export const CLASS_IN = 1;

/** The response codes of RFC 1035, by number, with what each means. */
const RCODES: readonly [string, string][] = [
  ["NOERROR", "no error"],
  ["FORMERR", "the server could not read the query"],
  ["SERVFAIL", "the server failed to answer"],
  ["NXDOMAIN", "the name does not exist"],
  ["NOTIMP", "the server does not do this kind of query"],
  ["REFUSED", "the server refused to answer"],
];

/** The longest label (RFC 1035, section 2.3.4). */
const MAX_LABEL = 63;
/** The longest name in the message's form: length bytes, labels and the final 0. */
const MAX_NAME = 255;
/** More pointers than a 255-byte name has labels can only be a trick. */
const MAX_POINTERS = 127;

/**
 * A DNS message that cannot be read as RFC 1035 says: the one error
 * {@linkcode parseMessage} and {@linkcode readName} throw.
 *
 * @example Refuses a message shorter than its header
 * ```ts
 * import { assertThrows } from "jsr:@std/assert@^1";
 * import { DnsFormatError, parseMessage } from "./dns.ts";
 *
 * assertThrows(() => parseMessage(new Uint8Array(5)), DnsFormatError);
 * ```
 */
export class DnsFormatError extends Error {
  /** Where in the message the problem is, counted in bytes from 0. */
  offset: number;

  /**
   * @param message What was wrong, in one line.
   * @param offset Where in the message.
   */
  constructor(message: string, offset: number) {
    super(message);
    this.name = "DnsFormatError";
    this.offset = offset;
  }
}

/** The 12-byte header of a DNS message, its flags taken apart. */
export interface DnsHeader {
  /** The request ID the query chose and the reply must echo. */
  id: number;
  /** QR: set in a reply, clear in a query. */
  isResponse: boolean;
  /** The kind of query: 0 for a standard one. */
  opcode: number;
  /** AA: the server is an authority for the name. */
  authoritative: boolean;
  /** TC: the message was cut to fit a datagram; the full one needs TCP. */
  truncated: boolean;
  /** RD: the query asks the server to find the answer for it. */
  recursionDesired: boolean;
  /** RA: the server will do so. */
  recursionAvailable: boolean;
  /** The response code: 0 is NOERROR, 3 is NXDOMAIN (see {@linkcode rcodeName}). */
  rcode: number;
  /** How many questions, answers, authority and additional records follow. */
  counts: [number, number, number, number];
}

/** One entry of the question section. */
export interface DnsQuestion {
  /** The name asked about, escaped for printing (`example.com.`). */
  name: string;
  /** The record type asked for (1 for A). */
  type: number;
  /** The class (1 for IN). */
  class: number;
}

/** One resource record. */
export interface DnsRecord {
  /** The owner name, escaped for printing (`example.com.`). */
  name: string;
  /** The record type (1 for A). */
  type: number;
  /** The class (1 for IN). */
  class: number;
  /** How many seconds the record may be kept. */
  ttl: number;
  /** The data, as `dig` writes it, escaped for printing. */
  data: string;
}

/** A whole message, every name and record read and checked. */
export interface DnsMessage {
  /** The header. */
  header: DnsHeader;
  /** The question section. */
  questions: DnsQuestion[];
  /** The answer section. */
  answers: DnsRecord[];
  /** The authority section. */
  authority: DnsRecord[];
  /** The additional section. */
  additional: DnsRecord[];
}

/**
 * Reads the 12-byte header: ID, flags and the four counts.
 *
 * @example Reads the ID and the RCODE of an NXDOMAIN reply
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseHeader } from "./dns.ts";
 *
 * const bytes = new Uint8Array([0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0]);
 * const header = parseHeader(bytes);
 * assertEquals(header.id, 0x1234);
 * assertEquals(header.rcode, 3); // NXDOMAIN
 * ```
 *
 * @param message The message as received.
 * @returns The header.
 * @throws {DnsFormatError} If the message is shorter than 12 bytes.
 */
export function parseHeader(message: Uint8Array): DnsHeader {
  if (message.length < 12) {
    throw new DnsFormatError(
      `the message is ${message.length} bytes, shorter than the 12-byte header`,
      0,
    );
  }
  const view = new DataView(message.buffer, message.byteOffset, 12);
  const flags = view.getUint16(2);
  return {
    id: view.getUint16(0),
    isResponse: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    counts: [
      view.getUint16(4),
      view.getUint16(6),
      view.getUint16(8),
      view.getUint16(10),
    ],
  };
}

/**
 * Reads a name at `offset`, following compression pointers (RFC 1035,
 * section 4.1.4). A pointer must point back, before the part of the name
 * being read, so a chain of pointers can never loop; a label is at most 63
 * bytes and a name at most 255. Each label is shown with
 * {@linkcode safeText}, a dot inside a label as `\.`.
 *
 * @example Follows a compression pointer
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { readName } from "./dns.ts";
 *
 * // "example.com" at 0, then "www" and a pointer (0xc000) back to it at 13.
 * const bytes = new Uint8Array([
 *   7, ...new TextEncoder().encode("example"), 3, 99, 111, 109, 0,
 *   3, 119, 119, 119, 0xc0, 0,
 * ]);
 * assertEquals(readName(bytes, 13), { name: "www.example.com.", end: 19 });
 * ```
 *
 * @param message The whole message (pointers count from its start).
 * @param offset Where the name starts.
 * @returns The name, escaped, ending in a dot; and where the bytes after it
 * start (after the first pointer, if there is one).
 * @throws {DnsFormatError} If the name cannot be read.
 */
export function readName(
  message: Uint8Array,
  offset: number,
): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  let end: number | undefined; // set at the first pointer
  let start = offset; // where the part being read began: pointers go before it
  let length = 1; // the final zero byte
  let pointers = 0;
  while (true) {
    if (at >= message.length) {
      throw new DnsFormatError(
        `the message ends inside the name that starts at byte ${offset}`,
        at,
      );
    }
    const byte = message[at];
    if (byte === 0) break;
    if (byte >= 0xc0) {
      if (at + 1 >= message.length) {
        throw new DnsFormatError(
          `the message ends inside the compression pointer at byte ${at}`,
          at,
        );
      }
      const target = ((byte & 0x3f) << 8) | message[at + 1];
      if (target >= message.length) {
        throw new DnsFormatError(
          `the compression pointer at byte ${at} points to byte ${target}, ` +
            `past the end of the ${message.length}-byte message`,
          at,
        );
      }
      if (target >= start) {
        throw new DnsFormatError(
          `compression pointer loop: the pointer at byte ${at} points to ` +
            `byte ${target}, not back before the name it is part of`,
          at,
        );
      }
      if (++pointers > MAX_POINTERS) {
        throw new DnsFormatError(
          `the name that starts at byte ${offset} follows more than ` +
            `${MAX_POINTERS} compression pointers`,
          at,
        );
      }
      end ??= at + 2;
      at = start = target;
      continue;
    }
    if (byte > MAX_LABEL) {
      throw new DnsFormatError(
        `the label at byte ${at} claims ${byte} bytes; ` +
          `a label is at most ${MAX_LABEL}`,
        at,
      );
    }
    length += byte + 1;
    if (length > MAX_NAME) {
      throw new DnsFormatError(
        `the name that starts at byte ${offset} is longer than ` +
          `${MAX_NAME} bytes`,
        at,
      );
    }
    if (at + 1 + byte > message.length) {
      throw new DnsFormatError(
        `the label at byte ${at} claims ${byte} bytes, ` +
          `past the end of the ${message.length}-byte message`,
        at,
      );
    }
    const label = message.subarray(at + 1, at + 1 + byte);
    labels.push(
      safeText(label, { maxBytes: MAX_LABEL }).replace(
        /[. ]/g,
        (c) => c === "." ? "\\." : "\\x20",
      ),
    );
    at += 1 + byte;
  }
  return {
    name: labels.length === 0 ? "." : `${labels.join(".")}.`,
    end: end ?? at + 1,
  };
}

/**
 * Reads a whole message: header, questions and the three sections of
 * records, checking every count, length and name against the bytes that are
 * really there. Records of the types in {@linkcode RECORD_TYPES} are written
 * as `dig` writes them; others as RFC 3597's `\# LENGTH HEX`.
 *
 * @example Reads an A record whose name is a pointer
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { parseMessage } from "./dns.ts";
 *
 * // A reply for "a.test" type A: the question, then one answer whose name
 * // is a pointer (0xc00c) to the question's name, TTL 300, 192.0.2.1.
 * const reply = new Uint8Array([
 *   0x15, 0x07, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
 *   1, 97, 4, 116, 101, 115, 116, 0, 0, 1, 0, 1,
 *   0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 1,
 * ]);
 * const message = parseMessage(reply);
 * assertEquals(message.answers, [
 *   { name: "a.test.", type: 1, class: 1, ttl: 300, data: "192.0.2.1" },
 * ]);
 * ```
 *
 * @param message The message as received.
 * @returns The message, read.
 * @throws {DnsFormatError} If any part of it cannot be read.
 */
export function parseMessage(message: Uint8Array): DnsMessage {
  const header = parseHeader(message);
  const [questionCount, ...recordCounts] = header.counts;
  // The smallest question is 5 bytes (the root name, type, class), the
  // smallest record 11: counts that could never fit are refused at once.
  const least = questionCount * 5 +
    recordCounts.reduce((sum, count) => sum + count * 11, 0);
  if (12 + least > message.length) {
    const records = recordCounts.reduce((sum, count) => sum + count, 0);
    throw new DnsFormatError(
      `the header counts ${plural(questionCount, "question")} and ` +
        `${plural(records, "record")}, more than the ${message.length}-byte ` +
        "message can hold",
      4,
    );
  }
  const view = new DataView(message.buffer, message.byteOffset);
  let at = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < questionCount; i++) {
    const { name, end } = readName(message, at);
    need(message, end, 4, "question");
    questions.push({
      name,
      type: view.getUint16(end),
      class: view.getUint16(end + 2),
    });
    at = end + 4;
  }
  const sections: DnsRecord[][] = [];
  for (const count of recordCounts) {
    const records: DnsRecord[] = [];
    for (let i = 0; i < count; i++) {
      const { name, end } = readName(message, at);
      need(message, end, 10, "record");
      const type = view.getUint16(end);
      const dataLength = view.getUint16(end + 8);
      const dataStart = end + 10;
      need(message, dataStart, dataLength, `${typeName(type)} record's data`);
      records.push({
        name,
        type,
        class: view.getUint16(end + 2),
        ttl: view.getUint32(end + 4),
        data: readData(message, type, dataStart, dataStart + dataLength),
      });
      at = dataStart + dataLength;
    }
    sections.push(records);
  }
  const [answers, authority, additional] = sections;
  return { header, questions, answers, authority, additional };
}

/** `1 question`, `2 questions`. */
function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Throws unless `length` bytes from `at` are in the message. */
function need(message: Uint8Array, at: number, length: number, what: string) {
  if (at + length > message.length) {
    throw new DnsFormatError(
      `the ${what} at byte ${at} needs ${length} bytes; the message ends ` +
        `after ${Math.max(0, message.length - at)}`,
      at,
    );
  }
}

/** Reads a record's data from `start` to `end`, as `dig` writes it. */
function readData(
  message: Uint8Array,
  type: number,
  start: number,
  end: number,
): string {
  const length = end - start;
  const data = message.subarray(start, end);
  const exactly = (expected: number) => {
    if (length !== expected) {
      throw new DnsFormatError(
        `the ${typeName(type)} record's data at byte ${start} is ${length} ` +
          `bytes, not ${expected}`,
        start,
      );
    }
  };
  const tooShort = (least: number) => {
    throw new DnsFormatError(
      `the ${typeName(type)} record's data at byte ${start} is ${length} ` +
        `bytes, fewer than ${least}`,
      start,
    );
  };
  // A name inside the data must end exactly where the data ends.
  const nameAt = (at: number, last: boolean) => {
    const name = readName(message, at);
    if (last ? name.end !== end : name.end > end) {
      throw new DnsFormatError(
        `the name in the ${typeName(type)} record's data at byte ${start} ` +
          `does not fit its ${length} bytes`,
        start,
      );
    }
    return name;
  };
  switch (type) {
    case RECORD_TYPES.A:
      exactly(4);
      return data.join(".");
    case RECORD_TYPES.AAAA: {
      exactly(16);
      const view = new DataView(data.buffer, data.byteOffset, 16);
      const groups = Array.from(
        { length: 8 },
        (_, i) => view.getUint16(i * 2).toString(16),
      );
      // The URL parser writes IPv6 addresses in their short form (RFC 5952).
      return new URL(`http://[${groups.join(":")}]`).hostname.slice(1, -1);
    }
    case RECORD_TYPES.NS:
    case RECORD_TYPES.CNAME:
    case RECORD_TYPES.PTR:
      return nameAt(start, true).name;
    case RECORD_TYPES.MX: {
      if (length < 3) tooShort(3);
      const preference = (data[0] << 8) | data[1];
      return `${preference} ${nameAt(start + 2, true).name}`;
    }
    case RECORD_TYPES.SOA: {
      const primary = nameAt(start, false);
      const mailbox = nameAt(primary.end, false);
      if (end - mailbox.end !== 20) {
        throw new DnsFormatError(
          `the SOA record's data at byte ${start} has ${end - mailbox.end} ` +
            "bytes after its two names, not 20",
          start,
        );
      }
      const view = new DataView(message.buffer, message.byteOffset);
      const numbers = Array.from(
        { length: 5 },
        (_, i) => view.getUint32(mailbox.end + i * 4),
      );
      return `${primary.name} ${mailbox.name} ${numbers.join(" ")}`;
    }
    case RECORD_TYPES.TXT: {
      const strings: string[] = [];
      for (let at = 0; at < length; at += 1 + data[at]) {
        if (at + 1 + data[at] > length) {
          throw new DnsFormatError(
            `the TXT string at byte ${start + at} claims ${data[at]} bytes, ` +
              `past the end of its record`,
            start + at,
          );
        }
        const text = safeText(data.subarray(at + 1, at + 1 + data[at]), {
          maxBytes: 255,
        });
        strings.push(`"${text.replaceAll('"', '\\"')}"`);
      }
      return strings.join(" ");
    }
    default: {
      const hex = Array.from(data, (b) => b.toString(16).padStart(2, "0"));
      return `\\# ${length}${length > 0 ? " " : ""}${hex.join("")}`;
    }
  }
}

/**
 * The name of a record type, such as `A` for 1, or `TYPE99` for one this
 * module does not know (RFC 3597).
 *
 * @example Names a known and an unknown type
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { typeName } from "./dns.ts";
 *
 * assertEquals(typeName(28), "AAAA");
 * assertEquals(typeName(99), "TYPE99");
 * ```
 *
 * @param type The type's number.
 * @returns Its name.
 */
export function typeName(type: number): string {
  const entry = Object.entries(RECORD_TYPES).find(([, n]) => n === type);
  return entry?.[0] ?? `TYPE${type}`;
}

/**
 * The name of a response code, with what it means, such as
 * `NXDOMAIN (the name does not exist)`, or `RCODE 9` for others.
 *
 * @example Says what SERVFAIL means
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { rcodeName } from "./dns.ts";
 *
 * assertEquals(rcodeName(2), "SERVFAIL (the server failed to answer)");
 * ```
 *
 * @param rcode The RCODE from the header.
 * @returns Its name in words.
 */
export function rcodeName(rcode: number): string {
  const known = RCODES[rcode];
  return known ? `${known[0]} (${known[1]})` : `RCODE ${rcode}`;
}

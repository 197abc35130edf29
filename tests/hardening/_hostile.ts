/**
 * A seeded generator of hostile datagrams: the same seed gives the same
 * payloads, so a failure can be replayed.
 *
 * @module
 */
import { seededRandom } from "../../tools/lossy_relay.ts";

export { seededRandom };

const encoder = new TextEncoder();

/** The kinds of hostile payload, each a function of the random source. */
export const HOSTILE_KINDS: Record<
  string,
  (random: () => number) => Uint8Array
> = {
  empty: () => new Uint8Array(),
  oneByte: (random) => new Uint8Array([Math.floor(random() * 256)]),
  largest: () => new Uint8Array(65_507).fill(0x1b),
  randomBytes: (random) => randomBytes(random, 1 + Math.floor(random() * 2048)),
  invalidUtf8: (random) =>
    new Uint8Array([
      0xff,
      0xfe,
      0xc0,
      0xaf,
      0xed,
      0xa0,
      0x80,
      0xe2,
      0x82,
      ...randomBytes(random, 8),
    ]),
  terminalEscapes: () =>
    encoder.encode(
      "\x1b[2J\x1b[H\x1b]0;owned\x07\x1b[31mred\x1b[0m\x9b6n\x07\x08\x08",
    ),
  c1Controls: () => new Uint8Array([0xc2, 0x9b, 0x32, 0x4a, 0x9b, 0x85]),
  bidi: () => encoder.encode("user\u202Egnp.exe\u2066hidden\u2069\u200F"),
  lineFlood: (random) =>
    encoder.encode("\r\n".repeat(1 + Math.floor(random() * 4000)) + "\rX"),
  nulls: (random) => new Uint8Array(1 + Math.floor(random() * 512)),
};

function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Yields `count` hostile payloads, cycling through every kind. */
export function* hostilePayloads(
  seed: number,
  count: number,
): Generator<[string, Uint8Array]> {
  const random = seededRandom(seed);
  const kinds = Object.entries(HOSTILE_KINDS);
  for (let i = 0; i < count; i++) {
    const [name, make] = kinds[i % kinds.length];
    yield [name, make(random)];
  }
}

/** True if `text` holds a raw ESC, BEL, C1 control or bidi control. */
export function hasRawControls(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x07\x1b\x7f\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/
    .test(text);
}

import {
  assert,
  assertEquals,
  assertLess,
  assertStringIncludes,
  assertThrows,
} from "jsr:@std/assert@^1";
import {
  DnsFormatError,
  parseHeader,
  parseMessage,
  rcodeName,
  readName,
  typeName,
} from "../../lib/dns.ts";
import { seededRandom } from "../../tools/lossy_relay.ts";
import { concat, encode } from "../_helpers.ts";

const hex = (text: string) =>
  new Uint8Array(text.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);

/** Replies dnsmasq 2.90 sent to queries with RD set, recorded on loopback. */
const DNSMASQ = {
  // a.test A: 192.0.2.1 (--address=/a.test/192.0.2.1)
  a: hex(
    "150785800001000100000000016104746573740000010001" +
      "c00c00010001000000000004c0000201",
  ),
  // h.test AAAA: 2001:db8::7 (--host-record=h.test,192.0.2.7,2001:db8::7)
  aaaa: hex(
    "391a858000010001000000000168047465737400001c0001" +
      "c00c001c000100000000001020010db8000000000000000000000007",
  ),
  // t.test TXT: "hello world" "second" (--txt-record)
  txt: hex(
    "a76685800001000100000000017404746573740000100001" +
      "c00c001000010000000000130b68656c6c6f20776f726c64067365636f6e64",
  ),
  // m.test MX: 10 mail.m.test. (--mx-host=m.test,mail.m.test,10)
  mx: hex(
    "5b9785800001000100000000016d047465737400000f0001" +
      "c00c000f000100000000000f000a046d61696c016d047465737400",
  ),
  // nope.test A: NXDOMAIN (--local=/test/)
  nxdomain: hex("a61a81830001000000000000046e6f706504746573740000010001"),
};

/** A 12-byte header with the given counts (an answer, QR and RD set). */
function header(qd: number, an: number, ns = 0, ar = 0): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0x1234);
  view.setUint16(2, 0x8180);
  [qd, an, ns, ar].forEach((count, i) => view.setUint16(4 + i * 2, count));
  return bytes;
}

/** The question for `a.test` type A class IN, at byte 12 of a message. */
const QUESTION = hex("016104746573740000010001");

/** A record whose name is a pointer to the question's name (byte 12). */
function record(type: number, data: Uint8Array, ttl = 300): Uint8Array {
  const fixed = new Uint8Array(12);
  const view = new DataView(fixed.buffer);
  view.setUint16(0, 0xc00c);
  view.setUint16(2, type);
  view.setUint16(4, 1);
  view.setUint32(6, ttl);
  view.setUint16(10, data.length);
  return concat(fixed, data);
}

/**
 * A root name at byte 0, then 128 pointers: the first to byte 0, each other
 * to the one before it. Read from the last, it follows 128 pointers.
 */
const POINTER_CHAIN = new Uint8Array([
  0,
  ...Array.from({ length: 128 }, (_, i) => [0xc0, i === 0 ? 0 : 2 * i - 1])
    .flat(),
]);

/** Parses and expects our error, whose message includes `words`. */
function assertRefused(message: Uint8Array, words: string): void {
  const error = assertThrows(() => parseMessage(message), DnsFormatError);
  assertStringIncludes(error.message, words);
}

Deno.test("parseHeader() reads the ID, the flags and the four counts", () => {
  assertEquals(parseHeader(DNSMASQ.nxdomain), {
    id: 0xa61a,
    isResponse: true,
    opcode: 0,
    authoritative: false,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: true,
    rcode: 3,
    counts: [1, 0, 0, 0],
  });
  assertEquals(parseHeader(hex("0000c3000000000000000000")).truncated, true);
  assertThrows(() => parseHeader(new Uint8Array(11)), DnsFormatError, "12");
});

Deno.test("parseMessage() reads dnsmasq's real replies", async (t) => {
  const cases: [keyof typeof DNSMASQ, string, number][] = [
    ["a", "192.0.2.1", 1],
    ["aaaa", "2001:db8::7", 28],
    ["txt", '"hello world" "second"', 16],
    ["mx", "10 mail.m.test.", 15],
  ];
  for (const [key, data, type] of cases) {
    await t.step(`${typeName(type)}: ${data}`, () => {
      const message = parseMessage(DNSMASQ[key]);
      assertEquals(message.answers.map((r) => [r.type, r.data]), [[
        type,
        data,
      ]]);
      assertEquals(message.questions[0].type, type);
      assertEquals(message.answers[0].name, message.questions[0].name);
    });
  }
  await t.step("NXDOMAIN: the question, no records", () => {
    const message = parseMessage(DNSMASQ.nxdomain);
    assertEquals(message.header.rcode, 3);
    assertEquals(message.questions, [{
      name: "nope.test.",
      type: 1,
      class: 1,
    }]);
    assertEquals(message.answers, []);
  });
});

Deno.test("parseMessage() writes each record type's data as dig does", async (t) => {
  const name = hex("036e7331016100"); // ns1.a.
  const cases: [string, number, Uint8Array, string][] = [
    ["NS", 2, name, "ns1.a."],
    ["CNAME", 5, hex("c00c"), "a.test."],
    ["PTR", 12, name, "ns1.a."],
    [
      "SOA",
      6,
      concat(
        name,
        hex("c00c"),
        hex("0000000100000002000000030000000400000005"),
      ),
      "ns1.a. a.test. 1 2 3 4 5",
    ],
    ["AAAA", 28, hex("00000000000000000000000000000001"), "::1"],
    ["an empty TXT", 16, hex(""), ""],
    ["an unknown type", 99, hex("0102ff"), "\\# 3 0102ff"],
  ];
  for (const [what, type, data, shown] of cases) {
    await t.step(what, () => {
      const message = parseMessage(
        concat(header(1, 1), QUESTION, record(type, data)),
      );
      assertEquals(message.answers[0].data, shown);
      assertEquals(message.answers[0].ttl, 300);
    });
  }
});

Deno.test("readName() follows a pointer back to an earlier name", () => {
  const message = concat(
    hex("076578616d706c6503636f6d00"),
    hex("03777777c000"),
  );
  assertEquals(readName(message, 0), { name: "example.com.", end: 13 });
  assertEquals(readName(message, 13), { name: "www.example.com.", end: 19 });
  assertEquals(readName(hex("00"), 0), { name: ".", end: 1 });
});

Deno.test("readName() escapes what a label may hold: dots, spaces, controls, escapes", () => {
  const label = encode("a.b c\x1b[2J\u202e\\");
  const message = concat(new Uint8Array([label.length]), label, hex("00"));
  assertEquals(
    readName(message, 0).name,
    "a\\.b\\x20c\\x1b[2J\\u202e\\\\.",
  );
});

Deno.test("readName() refuses names that break RFC 1035, with one line each", async (t) => {
  const cases: [string, Uint8Array, number, string][] = [
    ["a pointer to itself", hex("c000"), 0, "compression pointer loop"],
    [
      "two pointers that point at each other",
      hex("0161c004" + "0162c000"),
      4,
      "compression pointer loop",
    ],
    [
      "a pointer back into the name it is part of",
      hex("0000" + "0161c002"),
      2,
      "compression pointer loop",
    ],
    ["a pointer past the end", hex("c0ff"), 0, "past the end"],
    ["a message that ends inside a pointer", hex("0161c0"), 0, "ends inside"],
    ["a label of 64 bytes", hex("40" + "61".repeat(64) + "00"), 0, "64 bytes"],
    ["a label length byte 0x80", hex("8000"), 0, "128 bytes"],
    [
      "a name of 257 bytes",
      hex(("3f" + "61".repeat(63)).repeat(4) + "0161" + "00"),
      0,
      "longer than 255 bytes",
    ],
    ["a label cut short", hex("0561"), 0, "past the end"],
    ["a name with no end", hex("0161"), 0, "ends inside"],
    [
      "a chain of 128 pointers, each to the one before",
      POINTER_CHAIN,
      1 + 127 * 2,
      "more than 127 compression pointers",
    ],
  ];
  for (const [what, message, offset, words] of cases) {
    await t.step(what, () => {
      const error = assertThrows(
        () => readName(message, offset),
        DnsFormatError,
      );
      assertStringIncludes(error.message, words);
    });
  }
});

Deno.test("parseMessage() refuses replies whose counts or lengths lie", async (t) => {
  await t.step("counts larger than the message", () => {
    assertRefused(
      concat(header(1, 65535), QUESTION),
      "more than the 24-byte message can hold",
    );
  });
  await t.step("a record that runs past the end", () => {
    const full = concat(header(1, 1), QUESTION, record(1, hex("c0000201")));
    assertRefused(full.subarray(0, full.length - 2), "needs 4 bytes");
  });
  await t.step("an A record of 5 bytes", () => {
    assertRefused(
      concat(header(1, 1), QUESTION, record(1, hex("c000020100"))),
      "is 5 bytes, not 4",
    );
  });
  await t.step("a CNAME whose name runs past its data", () => {
    assertRefused(
      concat(header(1, 1), QUESTION, record(5, hex("0161")), hex("00")),
      "does not fit",
    );
  });
  await t.step("an MX of 2 bytes", () => {
    assertRefused(
      concat(header(1, 1), QUESTION, record(15, hex("000a"))),
      "fewer than 3",
    );
  });
  await t.step("a TXT string longer than its record", () => {
    assertRefused(
      concat(header(1, 1), QUESTION, record(16, hex("0561626364"))),
      "past the end of its record",
    );
  });
  await t.step("an SOA with a number missing", () => {
    assertRefused(
      concat(header(1, 1), QUESTION, record(6, hex("0000" + "00".repeat(16)))),
      "not 20",
    );
  });
});

Deno.test("typeName() and rcodeName() say the names dig uses", () => {
  assertEquals(
    [1, 2, 5, 15, 16, 28, 257].map(typeName),
    ["A", "NS", "CNAME", "MX", "TXT", "AAAA", "TYPE257"],
  );
  assertEquals(
    [0, 1, 2, 3, 4, 5, 9].map((rcode) => rcodeName(rcode).split(" ")[0]),
    [
      "NOERROR",
      "FORMERR",
      "SERVFAIL",
      "NXDOMAIN",
      "NOTIMP",
      "REFUSED",
      "RCODE",
    ],
  );
});

/** One reply for the fuzz loop: random bytes, or a real reply mutated. */
function fuzzReply(random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  const seeds = Object.values(DNSMASQ);
  if (random() < 0.2) {
    return Uint8Array.from({ length: pick(600) }, () => pick(256));
  }
  const reply = Uint8Array.from(seeds[pick(seeds.length)]);
  const body = reply.length - 12;
  const mutations = 1 + pick(4);
  for (let m = 0; m < mutations; m++) {
    const at = 12 + pick(body);
    switch (pick(6)) {
      case 0: // any byte
        reply[at] = pick(256);
        break;
      case 1: // a pointer anywhere, even past the end
        reply[at] = 0xc0 | pick(64);
        if (at + 1 < reply.length) reply[at + 1] = pick(256);
        break;
      case 2: // a count that lies
        reply[4 + pick(8)] = pick(256);
        break;
      case 3: // a label length that lies
        reply[at] = pick(256) & 0x7f;
        break;
      case 4: // cut short
        return reply.subarray(0, at);
      case 5: // a pointer back into the same name
        reply[at] = 0xc0;
        if (at + 1 < reply.length) reply[at + 1] = 12 + pick(at - 11);
        break;
    }
  }
  return reply;
}

Deno.test("parseMessage() on 20,000 seeded random and mutated replies: our error or a result, never anything else, never slow", () => {
  const random = seededRandom(1035);
  const times: number[] = [];
  let refused = 0;
  for (let round = 0; round < 20_000; round++) {
    const reply = fuzzReply(random);
    const started = performance.now();
    try {
      const message = parseMessage(reply);
      // What is printed is one line: no raw control character anywhere.
      for (const r of [...message.answers, ...message.authority]) {
        // deno-lint-ignore no-control-regex -- finding them is the point
        assert(!/[\x00-\x1f\x7f-\x9f]/.test(r.name + r.data), `round ${round}`);
      }
    } catch (error) {
      assert(error instanceof DnsFormatError, `round ${round}: ${error}`);
      refused++;
    }
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  const p99 = times[Math.floor(times.length * 0.99)];
  const max = times[times.length - 1];
  console.log(
    `parsed 20,000 replies (${refused} refused): median ${
      median.toFixed(4)
    } ms, 99th percentile ${p99.toFixed(4)} ms, max ${max.toFixed(3)} ms`,
  );
  // Most replies must be refused and some read, or the loop tests little.
  assert(refused > 5_000 && refused < 19_000, `${refused} refused`);
  // A millisecond each; a pause of the machine (a loaded 2-core CI runner,
  // a garbage collection) may stretch a few, so the maximum is loose.
  assertLess(p99, 1);
  assertLess(max, 100);
});

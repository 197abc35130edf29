import { assert, assertEquals } from "jsr:@std/assert@^1";
import {
  looksLikeAReply,
  MAX_PAYLOAD,
  MAX_REPLY_GROWTH,
  refusalReason,
  REFUSED_SOURCE_PORTS,
} from "../../lib/guards.ts";
import { encodeTime } from "../../lib/time.ts";
import { encode } from "../_helpers.ts";
import { libUrl, runCode } from "./_subprocess.ts";

const udp = (hostname: string, port: number): Deno.NetAddr => ({
  transport: "udp",
  hostname,
  port,
});
const SERVER = udp("127.0.0.1", 8888);
const hi = encode("hi");
const okHi = encode("OK...hi");

Deno.test("refusalReason() lets an ordinary client be answered", () => {
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 40000), hi, okHi),
    undefined,
  );
  assertEquals(refusalReason(SERVER, udp("::1", 40000), hi, okHi), undefined);
});

Deno.test("refusalReason() never answers port 0 or the classic services", () => {
  // Pinned here, not read from the code: dropping a port must fail this test.
  assertEquals(REFUSED_SOURCE_PORTS, [0, 7, 9, 13, 19, 37]);
  for (const port of [0, 7, 9, 13, 19, 37]) {
    assert(
      refusalReason(SERVER, udp("127.0.0.1", port), hi, okHi),
      `port ${port}`,
    );
  }
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 19), hi, okHi),
    "source port 19 is a classic UDP service",
  );
});

Deno.test("refusalReason() never answers its own port", () => {
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 8888), hi, okHi),
    "source port 8888 is this server's own port",
  );
});

Deno.test("refusalReason() never answers broadcast, multicast or unspecified sources", () => {
  for (
    const host of [
      "255.255.255.255",
      "127.255.255.255",
      "0.0.0.0",
      "224.0.0.1",
      "239.255.255.250",
      "::",
      "ff02::1",
      "::ffff:255.255.255.255",
      "10.77.0.255",
      "192.168.255.255",
    ]
  ) {
    assert(refusalReason(SERVER, udp(host, 40000), hi, okHi), host);
  }
  assertEquals(
    refusalReason(SERVER, udp("223.255.255.254", 40000), hi, okHi),
    undefined,
  );
});

Deno.test("refusalReason() refuses to amplify or to send what cannot fit", () => {
  const big = new Uint8Array(2 + MAX_REPLY_GROWTH + 1);
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 40000), hi, big),
    `a reply of ${big.length} bytes to 2 would amplify`,
  );
  const request = new Uint8Array(MAX_PAYLOAD);
  const reply = new Uint8Array(MAX_PAYLOAD + 5);
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 40000), request, reply),
    "a reply of 65512 bytes would not fit in one datagram",
  );
});

Deno.test("looksLikeAReply() knows every server's reply and little else", () => {
  for (const text of ["OK...x", "Hello, Ada!", "Your data was 12 bytes"]) {
    assert(looksLikeAReply(encode(text)), text);
  }
  assert(looksLikeAReply(encodeTime(new Date())));
  assert(looksLikeAReply(encodeTime(new Date(Date.now() - 86_400_000))));
  for (const text of ["Ada", "Mike", "hello world!", "OK", "Hello, Ada", ""]) {
    assert(!looksLikeAReply(encode(text)), text);
  }
  assert(!looksLikeAReply(encodeTime(new Date("2001-01-01T00:00:00Z"))));
});

Deno.test("refusalReason() stops two plain reflectors after a couple of bounces", () => {
  const from = udp("127.0.0.1", 41000);
  const ping = encode("ping");
  const answered = [1, 2, 3, 4].map(() =>
    refusalReason(SERVER, from, ping, ping) === undefined
  );
  assertEquals(answered, [true, true, false, false]);
  // Another sender, and another payload from the same one, are not affected.
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 41001), ping, ping),
    undefined,
  );
  assertEquals(
    refusalReason(SERVER, from, encode("pong"), encode("pong")),
    undefined,
  );
});

Deno.test("safeToAnswer() reports the first refusal at once, then counts in silence", async () => {
  const result = await runCode(
    `import { safeToAnswer } from "${libUrl("guards.ts")}";
const server = { transport: "udp", hostname: "127.0.0.1", port: 8888 };
const data = new TextEncoder().encode("x");
const answers = [];
for (let i = 0; i < 1000; i++) {
  answers.push(safeToAnswer(server, { transport: "udp", hostname: "224.0.0." + (i % 250), port: 40000 + i }, data, data));
}
answers.push(safeToAnswer(server, { transport: "udp", hostname: "127.0.0.1", port: 40000 }, data, data));
console.log(answers.filter(Boolean).length);`,
  );
  assertEquals(result.stdout, "1\n");
  assertEquals(
    result.stderr,
    "not answering: source 224.0.0.0 is a broadcast, multicast or unspecified address\n",
  );
});

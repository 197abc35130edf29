import { assert, assertEquals } from "jsr:@std/assert@^1";
import {
  BURST,
  DEFAULT_BUDGET,
  FIRST_ANSWERED_PORT,
  looksLikeAReply,
  MAX_PAYLOAD,
  MAX_REMEMBERED_SENDERS,
  MAX_REPLY_GROWTH,
  NFS_PORT,
  refusalReason,
  setBudget,
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

Deno.test("refusalReason() never answers a source port below 1024, nor NFS's 2049", () => {
  // Pinned here, not read from the code: OpenBSD inetd's dg_badinput().
  assertEquals([FIRST_ANSWERED_PORT, NFS_PORT], [1024, 2049]);
  for (const port of [0, 7, 19, 37, 53, 123, 161, 1023, 2049]) {
    assert(
      refusalReason(SERVER, udp("127.0.0.1", port), hi, okHi),
      `port ${port}`,
    );
  }
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 53), hi, okHi),
    "127.0.0.1:53 sends from a service's port (below 1024)",
  );
  assertEquals(
    refusalReason(SERVER, udp("::1", 2049), hi, okHi),
    "[::1]:2049 sends from a service's port (NFS's)",
  );
  for (const port of [1024, 1900, 2048, 2050, 11211, 65535]) {
    assertEquals(
      refusalReason(SERVER, udp("127.0.0.1", port), hi, okHi),
      undefined,
      `port ${port}`,
    );
  }
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

Deno.test("refusalReason() refuses a reply-shaped request from an ordinary client", () => {
  // Every other guard lets this sender and this size through: only the
  // request's shape stops it.
  const from = udp("127.0.0.1", 41500);
  for (const text of ["OK...hi", "Hello, Ada!", "Your data was 5 bytes"]) {
    assertEquals(
      refusalReason(SERVER, from, encode(text), encode(`OK...${text}`)),
      `the request from 127.0.0.1:41500 looks like a server's reply`,
      text,
    );
  }
  const now = encodeTime(new Date());
  assertEquals(
    refusalReason(SERVER, from, now, now),
    `the request from 127.0.0.1:41500 looks like a server's reply`,
  );
});

Deno.test("refusalReason() never answers our own last reply sent back, however late", () => {
  // A plain echo server's reply is its request: a second echo of the same
  // bytes is the first echoed back, as an echo service 1.1 s away does.
  const from = udp("127.0.0.1", 41000);
  const ping = encode("ping");
  const answered = [1, 2, 3].map(() =>
    refusalReason(SERVER, from, ping, ping) === undefined
  );
  assertEquals(answered, [true, false, false]);
  assertEquals(
    refusalReason(SERVER, from, ping, ping),
    "127.0.0.1:41000 sent back our last reply to it (an echo)",
  );
  // Another sender, and another payload from the same one, are answered; and
  // then the first payload again, which is no longer our last reply.
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.1", 41001), ping, ping),
    undefined,
  );
  const pong = encode("pong");
  assertEquals(refusalReason(SERVER, from, pong, pong), undefined);
  assertEquals(refusalReason(SERVER, from, ping, ping), undefined);
  // With a prefix the reply is never the request: the same line is answered.
  const line = encode("hello world!");
  const reply = encode("OK...hello world!");
  for (let i = 0; i < 10; i++) {
    assertEquals(refusalReason(SERVER, from, line, reply), undefined);
  }
});

Deno.test("refusalReason() remembers the senders seen most recently, up to its bound", () => {
  // A plain echo: each sender's last reply is remembered, so sending it back
  // is refused for as long as that sender is remembered.
  const ping = encode("ping");
  const first = udp("127.0.0.1", 43000);
  assertEquals(refusalReason(SERVER, first, ping, ping), undefined);
  // Others, from three addresses and many ports, each answered once.
  let next = 0;
  const others = (count: number) => {
    for (let i = 0; i < count; i++, next++) {
      const from = udp(`127.0.0.${2 + next % 3}`, 10_000 + next);
      assertEquals(refusalReason(SERVER, from, ping, ping), undefined);
    }
  };
  // Fewer than half the bound since it was seen: still remembered.
  others(MAX_REMEMBERED_SENDERS / 2 - 1);
  assertEquals(
    refusalReason(SERVER, first, ping, ping),
    "127.0.0.1:43000 sent back our last reply to it (an echo)",
  );
  // Seen again, it moved to the newer half: as many others again keep it.
  others(MAX_REMEMBERED_SENDERS / 2 - 1);
  assert(refusalReason(SERVER, first, ping, ping) !== undefined);
  // After the whole bound of other senders it is forgotten, and answered
  // as a newcomer; so is the oldest of the others.
  others(MAX_REMEMBERED_SENDERS);
  assertEquals(refusalReason(SERVER, first, ping, ping), undefined);
  assertEquals(
    refusalReason(SERVER, udp("127.0.0.2", 10_000), ping, ping),
    undefined,
  );
  // The newest of the others is still remembered.
  const newest = next - 1;
  assert(
    refusalReason(
      SERVER,
      udp(`127.0.0.${2 + newest % 3}`, 10_000 + newest),
      ping,
      ping,
    ) !==
      undefined,
  );
});

Deno.test("refusalReason() answers one sender a burst, then only as fast as its budget refills", async () => {
  const from = udp("127.0.0.1", 42000);
  const other = udp("127.0.0.1", 42001);
  try {
    // One answer a second: this tight loop runs out after its burst.
    setBudget("1");
    const answered = Array.from(
      { length: BURST + 50 },
      (_, i) => refusalReason(SERVER, from, encode(`n${i}`), okHi),
    ).filter((reason) => reason === undefined).length;
    assertEquals(answered, BURST);
    assertEquals(
      refusalReason(SERVER, from, hi, okHi),
      "127.0.0.1:42000 is past its budget of 100 answers at once and 1 a second (a loop, or a flood from one port)",
    );
    // Another sender has a budget of its own.
    assertEquals(refusalReason(SERVER, other, hi, okHi), undefined);
    // A budget of a million a second refills within a millisecond.
    setBudget("1000000");
    await new Promise((resolve) => setTimeout(resolve, 5));
    assertEquals(refusalReason(SERVER, from, hi, okHi), undefined);
  } finally {
    setBudget(String(DEFAULT_BUDGET));
  }
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

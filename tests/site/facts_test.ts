/**
 * The facts the pages state about sockets, measured: what a receive
 * returns whole and what it cuts (UDP versus TCP), and what a client hears
 * when nobody listens, in Python, in Deno, and with `node:dgram` in Deno and
 * in Node.js (Timeouts and retries, which shows `docs/examples/dgram_connect.js`),
 * and why Liao Xuefeng's Python 2 programs fail under Python 3 (the hello page).
 *
 * Python and Node.js are outside tools: a missing one ignores its test with a
 * visible reason, except under CI=true, where it fails.
 *
 * @module
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import {
  addressOf,
  decode,
  loopbackSocket,
  runProcess,
  within,
} from "../_helpers.ts";
import { findTool, freePort, interopTest } from "../interop/_tools.ts";

const EXAMPLE = "docs/examples/dgram_connect.js";
const python = await findTool("python3", "python3");
const node = await findTool("node", "nodejs");

/** A refusal must come well before any client's timeout (1 s and more). */
const PROMPT_MS = 500;

Deno.test("a Deno receive into a 65,536-byte buffer returns the largest IPv4 datagram whole", async () => {
  using receiver = loopbackSocket();
  using sender = loopbackSocket();
  const payload = new Uint8Array(65_507).map((_, i) => i % 251);
  await sender.send(payload, addressOf(receiver));
  const [data] = await within(
    5_000,
    "the 65,507-byte datagram",
    receiver.receive(new Uint8Array(65_536)),
  );
  assertEquals(data, payload);
});

interopTest(
  "Python's recvfrom(1024) cuts a 2,000-byte datagram and drops the rest",
  [python],
  async () => {
    const program = [
      "import socket",
      "r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      "r.bind(('127.0.0.1', 0))",
      "r.settimeout(5)",
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      "s.sendto(b'x' * 2000, r.getsockname())",
      "s.sendto(b'next', r.getsockname())",
      "print(len(r.recvfrom(1024)[0]))",
      "print(r.recvfrom(1024)[0].decode())",
    ].join("\n");
    const { code, stdout, stderr } = await runProcess("python3", [
      "-c",
      program,
    ], { timeoutMs: 10_000 });
    assertEquals(code, 0, stderr);
    assertEquals(decode(stdout), "1024\nnext\n");
  },
);

interopTest(
  "Python 3 stops a file that uses print as a statement at a SyntaxError, before its first line runs",
  [python],
  async () => {
    // The hello page: Liao Xuefeng's Python 2 files do not even start.
    const program = [
      "import sys",
      "sys.stderr.write('ran\\n')",
      "print 'hello'",
    ].join("\n");
    const { code, stderr } = await runProcess("python3", ["-c", program], {
      timeoutMs: 10_000,
    });
    assertEquals(code, 1);
    assertMatch(stderr, /^SyntaxError: /m);
    assert(!stderr.includes("ran"), "a line ran before the SyntaxError");
  },
);

interopTest(
  "Python 3's sendto refuses a str with a TypeError before anything is sent",
  [python],
  async () => {
    using receiver = loopbackSocket();
    const program = [
      "import socket",
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      `s.sendto('Michael', ('127.0.0.1', ${addressOf(receiver).port}))`,
    ].join("\n");
    const { code, stderr } = await runProcess("python3", ["-c", program], {
      timeoutMs: 10_000,
    });
    assertEquals(code, 1);
    assertMatch(
      stderr,
      /^TypeError: a bytes-like object is required, not 'str'$/m,
    );
    const pending = receiver.receive();
    const outcome = await Promise.race([
      pending.then(() => "a datagram"),
      new Promise((resolve) => setTimeout(() => resolve("nothing"), 300)),
    ]);
    receiver.close();
    await pending.catch(() => {});
    assertEquals(outcome, "nothing");
  },
);

interopTest(
  "Python's connected socket hears 'Connection refused' at once on loopback",
  [python],
  async () => {
    const port = freePort();
    const program = [
      "import socket, time",
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      "s.settimeout(5)",
      `s.connect(('127.0.0.1', ${port}))`,
      "start = time.monotonic()",
      "s.send(b'hello')",
      "try:",
      "    s.recv(1024)",
      "    print('reply')",
      "except ConnectionRefusedError:",
      "    print('refused', round((time.monotonic() - start) * 1000))",
      "except socket.timeout:",
      "    print('timeout')",
    ].join("\n");
    const { code, stdout, stderr } = await runProcess("python3", [
      "-c",
      program,
    ], { timeoutMs: 10_000 });
    assertEquals(code, 0, stderr);
    const [outcome, ms] = decode(stdout).trim().split(" ");
    assertEquals(outcome, "refused");
    assert(Number(ms) < PROMPT_MS, `refused only after ${ms} ms`);
  },
);

interopTest(
  "Python's unconnected socket is not told: recvfrom waits for its timeout",
  [python],
  async () => {
    const port = freePort();
    const program = [
      "import socket",
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
      "s.settimeout(0.5)",
      `s.sendto(b'hello', ('127.0.0.1', ${port}))`,
      "try:",
      "    s.recvfrom(1024)",
      "    print('reply')",
      "except ConnectionRefusedError:",
      "    print('refused')",
      "except socket.timeout:",
      "    print('timeout')",
    ].join("\n");
    const { code, stdout, stderr } = await runProcess("python3", [
      "-c",
      program,
    ], { timeoutMs: 10_000 });
    assertEquals(code, 0, stderr);
    assertEquals(decode(stdout), "timeout\n");
  },
);

Deno.test("Deno.listenDatagram hears nothing from a closed port: a client can only time out", async () => {
  using client = loopbackSocket();
  await client.send(new TextEncoder().encode("hello"), {
    transport: "udp",
    hostname: "127.0.0.1",
    port: freePort(),
  });
  const pending = client.receive();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silence = new Promise<"silence">((resolve) => {
    timer = setTimeout(() => resolve("silence"), 1_000);
  });
  try {
    const outcome = await Promise.race([
      pending.then(() => "a datagram", (error) => `an error: ${error}`),
      silence,
    ]);
    assertEquals(outcome, "silence");
  } finally {
    clearTimeout(timer);
    client.close();
    await pending.catch(() => {}); // closing rejects the pending receive
  }
});

Deno.test(`${EXAMPLE} in Deno gets its reply from a listening server`, async () => {
  using server = loopbackSocket();
  const answer = (async () => {
    const [data, from] = await server.receive();
    await server.send(data, from);
  })();
  const { code, stdout, stderr } = await runProcess(Deno.execPath(), [
    "run",
    "-N",
    EXAMPLE,
    String(addressOf(server).port),
  ], { timeoutMs: 15_000 });
  await answer;
  assertEquals(decode(stdout), "reply: hello\n", stderr);
  assertEquals(code, 0);
});

Deno.test(`${EXAMPLE} in Deno 2.9 is not told of the refusal: it times out`, async () => {
  const { code, stdout, stderr } = await runProcess(Deno.execPath(), [
    "run",
    "-N",
    EXAMPLE,
    String(freePort()),
  ], { timeoutMs: 15_000 });
  assertEquals(decode(stdout), "no reply within 1 s\n", stderr);
  assertEquals(code, 1);
});

interopTest(
  `${EXAMPLE} in Node.js hears ECONNREFUSED at once`,
  [node],
  async () => {
    const { code, stdout, stderr } = await runProcess("node", [
      EXAMPLE,
      String(freePort()),
    ], { timeoutMs: 15_000 });
    const line = decode(stdout);
    assertMatch(line, /^refused: ECONNREFUSED after \d+ ms\n$/, stderr);
    const ms = Number(/after (\d+) ms/.exec(line)?.[1]);
    assert(ms < PROMPT_MS, `refused only after ${ms} ms`);
    assertEquals(code, 1);
  },
);

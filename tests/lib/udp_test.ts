import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "jsr:@std/assert@^1";
import { CliError } from "../../lib/flags.ts";
import {
  formatAddress,
  listen,
  MAX_DATAGRAM,
  MAX_REPLY_GROWTH,
  RECEIVE_BUFFER_SIZE,
  receiveEach,
  refusalReason,
  REFUSED_SOURCE_PORTS,
  reply,
} from "../../lib/udp.ts";
import {
  addressOf,
  decode,
  encode,
  loopbackSocket,
  within,
} from "../_helpers.ts";
import { libUrl, runCode, startCode } from "./_subprocess.ts";

const udp = (hostname: string, port: number): Deno.NetAddr => ({
  transport: "udp",
  hostname,
  port,
});

/** Runs `fn` with console.error recorded instead of printed. */
async function recordingErrors<T>(
  fn: () => Promise<T>,
): Promise<[T, string[]]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    return [await fn(), lines];
  } finally {
    console.error = original;
  }
}

Deno.test("formatAddress() shows HOST:PORT, IPv6 in brackets", async (t) => {
  await t.step("IPv4", () => {
    assertEquals(formatAddress(udp("127.0.0.1", 8888)), "127.0.0.1:8888");
    assertEquals(formatAddress(udp("0.0.0.0", 0)), "0.0.0.0:0");
  });
  await t.step("IPv6 in brackets", () => {
    assertEquals(formatAddress(udp("::1", 8888)), "[::1]:8888");
    assertEquals(formatAddress(udp("::", 53)), "[::]:53");
    assertEquals(
      formatAddress(udp("fe80::1%eth0", 7)),
      "[fe80::1%eth0]:7",
    );
  });
  await t.step("an IPv4-mapped IPv6 address as the IPv4 address it is", () => {
    assertEquals(formatAddress(udp("::ffff:127.0.0.1", 5)), "127.0.0.1:5");
    assertEquals(formatAddress(udp("::FFFF:10.1.2.3", 5)), "10.1.2.3:5");
  });
  await t.step("other IPv6 addresses that contain dots stay IPv6", () => {
    assertEquals(
      formatAddress(udp("64:ff9b::1.2.3.4", 5)),
      "[64:ff9b::1.2.3.4]:5",
    );
  });
  await t.step("a TCP address the same way", () => {
    assertEquals(
      formatAddress({ transport: "tcp", hostname: "::1", port: 80 }),
      "[::1]:80",
    );
  });
});

Deno.test("listen() binds the address asked for, port 0 picking a free one", async (t) => {
  for (const hostname of ["127.0.0.1", "::1"]) {
    await t.step(hostname, () => {
      const conn = listen(hostname, 0);
      try {
        const addr = addressOf(conn);
        assertEquals(addr.hostname, hostname);
        assert(addr.port > 0);
      } finally {
        conn.close();
      }
    });
  }
});

Deno.test("listen() on a port already in use says so and names --port", async (t) => {
  for (const hostname of ["127.0.0.1", "::1"]) {
    await t.step(hostname, () => {
      using taken = loopbackSocket(hostname);
      const { port } = addressOf(taken);
      const error = assertThrows(
        () => listen(hostname, port),
        CliError,
        "is already in use",
      );
      assertStringIncludes(error.message, formatAddress(udp(hostname, port)));
      assertStringIncludes(error.message, "--port");
      assertEquals(error.exitCode, 1);
    });
  }
});

Deno.test("listen() on an address not on this machine says so", async () => {
  // 203.0.113.1 (TEST-NET-3) is only bound, never sent to. It runs in its
  // own process, so the tests need no network permission beyond loopback.
  const result = await runCode(
    `import { listen } from "${libUrl("udp.ts")}";
try {
  listen("203.0.113.1", 0);
  console.log("bound");
} catch (error) {
  console.log(error.name + ": " + error.message);
}`,
    { permissions: ["--allow-net=203.0.113.1"] },
  );
  assertEquals(result.stderr, "");
  assertEquals(
    result.stdout,
    "CliError: 203.0.113.1 is not an address of this machine; " +
      "use 127.0.0.1, ::1, 0.0.0.0 or ::\n",
  );
});

Deno.test("listen() without network permission says to run with -N", async () => {
  const result = await runCode(
    `import { listen } from "${libUrl("udp.ts")}";
try {
  listen("127.0.0.1", 0);
  console.log("bound");
} catch (error) {
  console.log(error.name + ": " + error.message);
}`,
  );
  assertEquals(
    result.stdout,
    "CliError: no permission to use the network; run with -N (--allow-net)\n",
  );
});

Deno.test("receiveEach() yields each datagram with its exact bytes and sender", async () => {
  using server = loopbackSocket();
  using client = loopbackSocket();
  const payloads = [
    encode("hello"),
    new Uint8Array(0),
    new Uint8Array([0xff, 0x00, 0x1b, 0xc0, 0xaf]),
    new Uint8Array(MAX_DATAGRAM).map((_, i) => i % 251),
  ];
  const received: [Uint8Array, Deno.NetAddr][] = [];
  const loop = (async () => {
    for await (const [data, addr] of receiveEach(server)) {
      received.push([data.slice(), addr]); // the buffer is reused: copy
      if (received.length === payloads.length) break;
    }
  })();
  for (const payload of payloads) {
    await client.send(payload, addressOf(server));
  }
  await within(5_000, "the datagrams to arrive", loop);
  assertEquals(received.map(([data]) => data), payloads);
  for (const [, addr] of received) {
    assertEquals(addr, addressOf(client));
  }
});

Deno.test("receiveEach() receives the largest IPv6 payload whole", async () => {
  // 65,527 bytes fit in one IPv6 datagram; a smaller buffer would cut them.
  assert(RECEIVE_BUFFER_SIZE >= 65_527);
  using server = loopbackSocket("::1");
  using client = loopbackSocket("::1");
  const payload = new Uint8Array(65_527).map((_, i) => i % 253);
  const loop = (async () => {
    for await (const [data] of receiveEach(server)) return data.slice();
  })();
  await client.send(payload, addressOf(server));
  assertEquals(await within(5_000, "the datagram", loop), payload);
});

Deno.test("receiveEach() ends quietly when the socket is closed", async () => {
  const server = loopbackSocket();
  using client = loopbackSocket();
  const received: string[] = [];
  let gotFirst = () => {};
  const first = new Promise<void>((resolve) => gotFirst = resolve);
  const [, errors] = await recordingErrors(async () => {
    const loop = (async () => {
      for await (const [data] of receiveEach(server)) {
        received.push(decode(data));
        gotFirst();
      }
      return "ended";
    })();
    await client.send(encode("before close"), addressOf(server));
    await within(5_000, "the first datagram", first);
    server.close();
    assertEquals(await within(5_000, "the loop to end", loop), "ended");
  });
  assertEquals(received, ["before close"]);
  assertEquals(errors, []);
});

Deno.test("reply() sends the reply and says so", async () => {
  using server = loopbackSocket();
  using client = loopbackSocket();
  const request = encode("ping");
  const [sent, errors] = await recordingErrors(() =>
    reply(server, encode("pong"), addressOf(client), request)
  );
  assertEquals(sent, true);
  assertEquals(errors, []);
  const [data, addr] = await within(5_000, "the reply", client.receive());
  assertEquals(decode(data), "pong");
  assertEquals(addr, addressOf(server));
});

Deno.test("reply() returns false rather than throwing on a closed socket", async () => {
  using client = loopbackSocket();
  const server = loopbackSocket();
  server.close();
  const [sent, errors] = await recordingErrors(() =>
    reply(server, encode("pong"), addressOf(client), encode("ping"))
  );
  assertEquals(sent, false);
  assertEquals(errors, []);
});

Deno.test("reply() reports a failed send on stderr and returns false", async () => {
  // An IPv4 socket cannot send to an IPv6 address: the send fails at once.
  using server = loopbackSocket("127.0.0.1");
  const [sent, errors] = await recordingErrors(() =>
    reply(server, encode("pong"), udp("::1", 9999), encode("ping"))
  );
  assertEquals(sent, false);
  assertEquals(errors.length, 1);
  assertStringIncludes(errors[0], "reply to [::1]:9999 failed: ");
});

Deno.test("reply() does not send a reply much bigger than its request", async () => {
  using server = loopbackSocket();
  using client = loopbackSocket();
  const request = encode("x");
  const tooBig = new Uint8Array(request.length + MAX_REPLY_GROWTH + 1);
  const justFits = new Uint8Array(request.length + MAX_REPLY_GROWTH).fill(1);
  const [results] = await recordingErrors(async () => [
    await reply(server, tooBig, addressOf(client), request),
    await reply(server, justFits, addressOf(client), request),
  ]);
  assertEquals(results, [false, true]);
  // Datagrams between two loopback sockets arrive in order: the first to
  // come is the one that fits, so the big one was never sent.
  const [data] = await within(5_000, "the reply", client.receive());
  assertEquals(data, justFits);
});

Deno.test("refusalReason() names the senders a server must not answer", async (t) => {
  await t.step("an ordinary client may be answered", () => {
    assertEquals(refusalReason(udp("127.0.0.1", 54321), 8888), undefined);
    assertEquals(refusalReason(udp("::1", 54321), 8888), undefined);
    assertEquals(refusalReason(udp("::ffff:127.0.0.1", 1024), 8888), undefined);
  });
  await t.step("port 0 and the classic services", () => {
    for (const port of REFUSED_SOURCE_PORTS) {
      assert(
        refusalReason(udp("127.0.0.1", port), 8888) !== undefined,
        `port ${port}`,
      );
    }
    assertEquals(
      refusalReason(udp("127.0.0.1", 19), 8888),
      "source port 19 is a classic UDP service",
    );
  });
  await t.step("the server's own port", () => {
    assertEquals(
      refusalReason(udp("127.0.0.1", 8888), 8888),
      "source port 8888 is this server's own port",
    );
  });
  await t.step("broadcast, multicast and unspecified sources", () => {
    for (
      const host of [
        "255.255.255.255",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "239.255.255.250",
        "::ffff:224.0.0.1",
        "ff02::1",
      ]
    ) {
      assertStringIncludes(
        refusalReason(udp(host, 5000), 8888) ?? "",
        "broadcast, multicast or unspecified",
        host,
      );
    }
  });
});

Deno.test("closeOnSignal() ends a receiveEach() loop on SIGINT and SIGTERM", async (t) => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    await t.step(signal, async () => {
      await using running = startCode(
        `import { closeOnSignal, listen, receiveEach } from "${
          libUrl("udp.ts")
        }";
const conn = listen("127.0.0.1", 0);
closeOnSignal(conn);
console.log("ready");
for await (const _ of receiveEach(conn)) {
  // keep receiving
}
console.log("loop ended");`,
        { permissions: ["--allow-net=127.0.0.1"] },
      );
      await running.waitForOutput("ready\n");
      running.child.kill(signal);
      const result = await running.finished(5_000);
      assertEquals(result, {
        code: 0,
        signal: null,
        stdout: "ready\nloop ended\n",
        stderr: "",
      });
    });
  }
});

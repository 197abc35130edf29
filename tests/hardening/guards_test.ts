/**
 * Reflection-loop and spoofing guards: no server answers a classic service
 * port, port 0, its own port, or an oversized reply; refusals are logged
 * once in a while, not once per datagram.
 */
import { assertEquals, assertStringIncludes } from "jsr:@std/assert@^1";
import { encodeTime } from "../../lib/time.ts";
import {
  answered,
  encode,
  loopbackSocket,
  runScript,
  startScript,
  within,
} from "../_helpers.ts";

const SERVERS = ["echo_server", "hello_server", "time_server", "size_server"];
/** Whether this process may bind ports below 1024 (root, usually). */
function canBindLowPorts(): boolean {
  try {
    Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 7 })
      .close();
    return true;
  } catch {
    return false;
  }
}
const isRoot = canBindLowPorts();
const ci = Deno.env.get("CI") === "true";
if (!isRoot && !ci) {
  console.log(
    "ignored: binding source ports 7 and 19 needs root; run as root or under CI",
  );
}

for (const name of SERVERS) {
  Deno.test({
    name:
      `${name} does not answer source port 7 or 19, and still answers others`,
    ignore: !isRoot && !ci,
    fn: async () => {
      await using server = await startScript(name, ["--port", "0"]);
      for (const port of [7, 19]) {
        assertEquals(
          await answered(server.address, encode("loop?"), {
            from: { hostname: "127.0.0.1", port },
          }),
          false,
          `${name} answered source port ${port}`,
        );
      }
      assertEquals(await answered(server.address, encode("fine")), true);
    },
  });

  Deno.test(`${name} does not answer a request from its own port number`, async () => {
    await using server = await startScript(name, ["--port", "0"]);
    // 127.0.0.2 is loopback too, so a socket there can take the same port.
    assertEquals(
      await answered(server.address, encode("me?"), {
        from: { hostname: "127.0.0.2", port: server.address.port },
      }),
      false,
    );
    const { stderr } = await server.stop();
    assertStringIncludes(stderr, "this server's own port");
  });
}

Deno.test("refusals are logged once, with a count later, not once per datagram", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  {
    using from = loopbackSocket("127.0.0.2", server.address.port);
    for (let i = 0; i < 200; i++) await from.send(encode("x"), server.address);
  }
  // A normal request after the burst is still answered.
  assertEquals(await answered(server.address, encode("ok?")), true);
  const { stderr } = await server.stop();
  const lines = stderr.split("\n").filter((l) => l.startsWith("not answering"));
  assertEquals(lines.length, 1, stderr);
});

Deno.test("echo_server refuses a --prefix that would make replies much bigger than requests", async () => {
  const { code, stderr } = await runScript("echo_server", [
    "--port",
    "0",
    "--prefix",
    "x".repeat(33),
  ]);
  assertEquals(code, 2);
  assertStringIncludes(stderr, "--prefix may be at most 32 bytes");
});

Deno.test("time replies are 4 bytes whatever the request", async () => {
  await using server = await startScript("time_server", ["--port", "0"]);
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    await conn.send(new Uint8Array(0), server.address);
    const [reply] = await within(5_000, "the time reply", conn.receive());
    assertEquals(reply.length, encodeTime(new Date()).length);
  } finally {
    conn.close();
  }
});

/**
 * Every server against 10,000 hostile datagrams: it stays up, keeps
 * answering correctly, and prints nothing raw from the network.
 */
import { assert, assertEquals } from "jsr:@std/assert@^1";
import { decodeTime } from "../../lib/time.ts";
import { decode, encode, exchange, sleep, startScript } from "../_helpers.ts";
import { hasRawControls } from "./_hostile.ts";
import { fireHostile, persistentExchange, type Probe } from "./_measure.ts";

const COUNT = 10_000;

const servers: [string, string[], Probe][] = [
  ["echo_server", [], async (server, round) => {
    const reply = await persistentExchange(
      server.address,
      encode(`probe ${round}`),
    );
    assertEquals(decode(reply), `OK...probe ${round}`);
  }],
  ["hello_server", [], async (server, round) => {
    const reply = await persistentExchange(server.address, encode(`n${round}`));
    assertEquals(decode(reply), `Hello, n${round}!`);
  }],
  ["time_server", [], async (server) => {
    const reply = await persistentExchange(server.address, new Uint8Array());
    assertEquals(reply.length, 4);
    assert(Math.abs(decodeTime(reply).getTime() - Date.now()) < 5_000);
  }],
  ["size_server", [], async (server, round) => {
    const reply = await persistentExchange(
      server.address,
      encode("x".repeat(round)),
    );
    assertEquals(decode(reply), `Your data was ${round} bytes`);
  }],
  ["broadcast_listener", ["--host", "127.0.0.1"], async (server, round) => {
    // It never answers: resend until its log shows the probe (bounded).
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: "127.0.0.1",
      port: 0,
    });
    const probe = new RegExp(`says: alive ${round}$`, "m");
    try {
      for (let tries = 0; tries < 50 && !probe.test(server.stdout()); tries++) {
        await conn.send(encode(`alive ${round}`), server.address);
        await sleep(100);
      }
    } finally {
      conn.close();
    }
    await server.waitForLine(probe, 1_000);
  }],
];

for (const [name, args, probe] of servers) {
  Deno.test(`${name} survives ${COUNT} hostile datagrams and prints nothing raw`, async () => {
    await using server = await startScript(name, ["--port", "0", ...args]);
    const figures = await fireHostile(server, COUNT, 868, probe);
    assertEquals(figures.sent, COUNT);
    const { code, stdout, stderr } = await server.stop();
    assertEquals(code, 0, stderr.slice(0, 500));
    assert(!hasRawControls(stdout), "raw control bytes on stdout");
    assert(!hasRawControls(stderr), "raw control bytes on stderr");
    assert(!stderr.includes("Uncaught"), stderr.slice(0, 500));
    console.log(
      `${name}: ${figures.sent} hostile datagrams, ${figures.probes} probes answered, exit ${code}`,
    );
  });
}

Deno.test("size_server counts a 65,527-byte IPv6 datagram whole: nothing is cut short", async () => {
  await using server = await startScript("size_server", [
    "--host",
    "::1",
    "--port",
    "0",
  ]);
  const reply = await exchange(server.address, new Uint8Array(65_527));
  assertEquals(decode(reply), "Your data was 65527 bytes");
});

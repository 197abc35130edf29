/**
 * Every server binds the port it is given. The other tests pass `--port 0`
 * and read the port from the ready line, so a server that ignored `--port`
 * would pass them all: here each one gets a port that was free a moment
 * ago, must name it in its ready line, and must hear a datagram sent to it.
 */
import { assertEquals, assertMatch } from "jsr:@std/assert@^1";
import {
  addressOf,
  decode,
  encode,
  exchange,
  loopbackSocket,
  startScript,
} from "../_helpers.ts";
import { freePort } from "../interop/_tools.ts";

/** Each server, and what it answers to `hello` (undefined: it never answers). */
const SERVERS: [string, string | undefined][] = [
  ["echo_server", "OK...hello"],
  ["hello_server", "Hello, hello!"],
  ["time_server", undefined], // 4 bytes: checked by length below
  ["size_server", "Your data was 5 bytes"],
  ["broadcast_listener", undefined],
];

for (const [name, answer] of SERVERS) {
  Deno.test(`${name} listens on the port given with --port`, async () => {
    const port = freePort();
    await using server = await startScript(name, ["--port", String(port)]);
    assertEquals(server.address.port, port, "the port in the ready line");
    if (name === "broadcast_listener") {
      // It never answers: what it heard is in its log.
      using client = loopbackSocket();
      await client.send(encode("hello"), {
        transport: "udp",
        hostname: "127.0.0.1",
        port,
      });
      assertMatch(
        await server.waitForLine(/says: hello$/),
        new RegExp(
          `^The client at 127\\.0\\.0\\.1:${
            addressOf(client).port
          } says: hello$`,
        ),
      );
      return;
    }
    const reply = await exchange(
      { transport: "udp", hostname: "127.0.0.1", port },
      encode("hello"),
    );
    if (answer === undefined) assertEquals(reply.length, 4);
    else assertEquals(decode(reply), answer);
  });
}

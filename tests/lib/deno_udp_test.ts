/**
 * Facts about Deno's UDP sockets that the clients' design rests on, measured
 * here so that a change in Deno shows up as a failing test.
 *
 * @module
 */
import { assertEquals } from "jsr:@std/assert@^1";
import {
  addressOf,
  decode,
  encode,
  loopbackSocket,
  within,
} from "../_helpers.ts";

Deno.test("Deno: of two receive() calls pending on one socket, one datagram satisfies only one", async (t) => {
  // Why each client keeps one pending receive(): measured with Deno 2.9.
  using sender = loopbackSocket();
  using conn = loopbackSocket();
  const to = addressOf(conn);
  const settled: string[] = [];
  const track = (name: string, promise: Promise<[Uint8Array, Deno.Addr]>) =>
    promise.then(
      ([data]) => settled.push(`${name} got ${decode(data)}`),
      (error) => settled.push(`${name} ended with ${error.name}`),
    );
  const first = track("first", conn.receive());
  const second = track("second", conn.receive());

  await t.step("the later receive() gets the datagram", async () => {
    await sender.send(encode("one"), to);
    await within(
      5_000,
      "a receive() to get the datagram",
      Promise.race([first, second]),
    );
    assertEquals(settled, ["second got one"]);
  });
  await t.step("the earlier one is still pending", async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals(settled, ["second got one"]);
  });
  await t.step("closing the socket ends it", async () => {
    conn.close();
    await within(5_000, "the pending receive() to end", first);
    assertEquals(settled, ["second got one", "first ended with Interrupted"]);
  });
});

Deno.test("Deno: a receive() left pending takes the next datagram", async () => {
  // So a client that started a new receive() per attempt would lose the
  // datagram after the one it was waiting for.
  using sender = loopbackSocket();
  using conn = loopbackSocket();
  const to = addressOf(conn);
  const abandoned = conn.receive();
  const current = conn.receive();
  await sender.send(encode("one"), to);
  await sender.send(encode("two"), to);
  const [[a], [b]] = await within(
    5_000,
    "both datagrams",
    Promise.all([current, abandoned]),
  );
  assertEquals([decode(a), decode(b)], ["one", "two"]);
});

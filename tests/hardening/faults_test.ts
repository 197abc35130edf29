/**
 * Faults: a client that vanishes before its reply, a receive that fails for
 * a passing reason, a reply that cannot be sent.
 */
import { assertEquals, assertStringIncludes } from "jsr:@std/assert@^1";
import { receiveEach, reply } from "../../lib/udp.ts";
import { decode, encode, exchange, startScript } from "../_helpers.ts";

Deno.test("a server keeps serving when clients vanish before their replies (ICMP port unreachable)", async () => {
  await using server = await startScript("echo_server", ["--port", "0"]);
  for (let i = 0; i < 50; i++) {
    const gone = Deno.listenDatagram({
      transport: "udp",
      hostname: "127.0.0.1",
      port: 0,
    });
    await gone.send(encode(`bye ${i}`), server.address);
    gone.close(); // the reply will meet a closed port
  }
  assertEquals(
    decode(await exchange(server.address, encode("still there?"))),
    "OK...still there?",
  );
});

/** A stand-in socket whose receive() fails once, then yields one datagram. */
function flakySocket(): Deno.DatagramConn {
  const steps: (() => [Uint8Array, Deno.Addr])[] = [
    () => {
      throw new Deno.errors.ConnectionReset("connection reset by peer");
    },
    () => [encode("after the fault"), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: 4000,
    }],
    () => {
      throw new Deno.errors.BadResource("closed");
    },
  ];
  let step = 0;
  const fake = {
    addr: { transport: "udp", hostname: "127.0.0.1", port: 9 },
    receive: () => {
      const next = steps[Math.min(step++, steps.length - 1)];
      return new Promise((resolve) => resolve(next()));
    },
    send: () =>
      Promise.reject(new Deno.errors.NetworkUnreachable("no route to host")),
  };
  return fake as unknown as Deno.DatagramConn;
}

/** Runs `fn` with console.error captured, and returns what it printed. */
async function capturingErrors(fn: () => Promise<void>): Promise<string> {
  const original = console.error;
  let captured = "";
  console.error = (...args: unknown[]) => {
    captured += args.join(" ") + "\n";
  };
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return captured;
}

Deno.test("receiveEach() reports a passing receive error and goes on; a closed socket ends it", async () => {
  const received: string[] = [];
  const errors = await capturingErrors(async () => {
    for await (const [data] of receiveEach(flakySocket())) {
      received.push(decode(data));
    }
  });
  assertEquals(received, ["after the fault"]);
  assertStringIncludes(errors, "receive failed: connection reset by peer");
});

Deno.test("reply() reports a send failure instead of throwing", async () => {
  let sent = true;
  const errors = await capturingErrors(async () => {
    sent = await reply(
      flakySocket(),
      encode("hi"),
      { transport: "udp", hostname: "127.0.0.1", port: 4000 },
      encode("hello"),
    );
  });
  assertEquals(sent, false);
  assertStringIncludes(
    errors,
    "reply to 127.0.0.1:4000 failed: no route to host",
  );
});

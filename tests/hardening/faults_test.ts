/**
 * Faults: a client that vanishes before its reply, a receive that fails for
 * a passing reason, a reply that cannot be sent.
 */
import { assertEquals, assertStringIncludes } from "jsr:@std/assert@^1";
import { decode, encode, exchange, startScript } from "../_helpers.ts";
import { runCode } from "../lib/_subprocess.ts";

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

/**
 * Code that runs a server script on a stand-in socket whose receive() fails
 * once, then yields one datagram, whose send() always fails, and which ends
 * on the third receive() as if closed by Ctrl-C.
 */
function withFlakySocket(script: string): string {
  return `
const steps = [
  () => Promise.reject(new Deno.errors.ConnectionReset("connection reset by peer")),
  () => Promise.resolve([new TextEncoder().encode("after the fault"),
    { transport: "udp", hostname: "127.0.0.1", port: 4000 }]),
  () => { Deno.kill(Deno.pid, "SIGTERM"); return new Promise(() => {}); },
];
let step = 0;
const fake = {
  addr: { transport: "udp", hostname: "127.0.0.1", port: 8888 },
  receive: () => steps[Math.min(step++, steps.length - 1)](),
  send: () => Promise.reject(new Deno.errors.NetworkUnreachable("no route to host")),
  close() {},
};
Deno.listenDatagram = () => fake;
await import("${new URL(`../../scripts/${script}`, import.meta.url).href}");
`;
}

for (
  const script of [
    "echo_server.ts",
    "hello_server.ts",
    "size_server.ts",
    "time_server.ts",
  ]
) {
  Deno.test(`${script} reports a passing receive error and a failed send, and goes on serving`, async () => {
    const result = await runCode(withFlakySocket(script), {
      permissions: ["--unstable-net", "--allow-run", "--allow-read"],
      args: ["--port", "8888"],
    });
    assertEquals(result.code, 0, result.stderr);
    assertStringIncludes(result.stderr, "connection reset by peer");
    assertStringIncludes(result.stderr, "no route to host");
    // The datagram after the fault was handled: the servers log each one.
    assertStringIncludes(result.stdout, "127.0.0.1:4000");
  });
}

/**
 * Broadcast across hosts: two network namespaces joined by a veth pair
 * stand for two machines on one LAN, 192.0.2.0/24 (TEST-NET-1, which exists
 * only inside them). broadcast_sender in one sends to 192.0.2.255 and
 * broadcast_listener in the other hears it, from the sender's address.
 *
 * Needs root and `ip` (Debian package iproute2); without them the test is
 * ignored, except under CI=true. Both namespaces are deleted at the end, and
 * the test checks that they are gone.
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { decode } from "../_helpers.ts";
import {
  findTool,
  interopTest,
  namespacePair,
  runningAsRoot,
  runTool,
  startTool,
} from "./_tools.ts";

const ip = await findTool("ip", "iproute2");
const root = await runningAsRoot();

const PORT = "6666"; // the original's port: each namespace has its own ports

interopTest(
  "broadcast_sender in one network namespace reaches broadcast_listener in another over a veth link",
  [root, ip],
  async () => {
    // Two "hosts", and a cable between them: each end of the veth pair is
    // created inside its namespace, so it never appears on this machine.
    // Disposing of the pair deletes both and checks that they are gone.
    await using pair = await namespacePair("bcast", "192.0.2");
    const A = pair.a; // the listener's host, 192.0.2.1
    const B = pair.b; // the sender's host, 192.0.2.2
    // Before anything is sent to 192.0.2.255: a process started with
    // `ip netns exec B` must see only lo and veth-b, never this machine's
    // own interfaces (which may use 192.0.2.0/24 too).
    const seen = await runTool("ip", [
      "netns",
      "exec",
      B,
      "ip",
      "-o",
      "link",
    ]);
    assertEquals(seen.code, 0, seen.stderr);
    const links = decode(seen.stdout).trim().split("\n")
      .map((line) => line.split(":")[1].trim().split("@")[0]);
    assertEquals(links.sort(), ["lo", "veth-b"]);

    await using listener = await startTool("ip", [
      "netns",
      "exec",
      A,
      Deno.execPath(),
      "run",
      "-N",
      "scripts/broadcast_listener.ts",
      "--port",
      PORT,
    ], {
      ready: {
        stream: "stdout",
        pattern: new RegExp(`listening on 0\\.0\\.0\\.0:${PORT}$`, "m"),
      },
    });
    const message = `hello from ${B}`;
    const sent = await runTool("ip", [
      "netns",
      "exec",
      B,
      Deno.execPath(),
      "run",
      "-N",
      "scripts/broadcast_sender.ts",
      "--to",
      "192.0.2.255",
      "--port",
      PORT,
      "--message",
      message,
      "--count",
      "3",
      "--interval",
      "0.2",
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    assertMatch(
      decode(sent.stdout),
      new RegExp(`to 192\\.0\\.2\\.255:${PORT} \\(3/3\\)\n$`),
    );

    await listener.waitFor("stdout", /says/);
    const heard = await listener.stop();
    assertEquals(heard.code, 0, heard.stderr);
    const lines = decode(heard.stdout).split("\n")
      .filter((line) => line.includes("says"));
    // Three were sent; a datagram may be lost, but every one heard came
    // from the other namespace's address.
    assert(lines.length >= 1 && lines.length <= 3, lines.join("\n"));
    for (const line of lines) {
      assertMatch(
        line,
        new RegExp(`^The client at 192\\.0\\.2\\.2:\\d+ says: ${message}$`),
      );
    }
  },
);

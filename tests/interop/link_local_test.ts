/**
 * Link-local IPv6, where an address means nothing without its interface:
 * two network namespaces joined by a veth pair, `fe80::a` on `veth-a` and
 * `fe80::b` on `veth-b`. Each server listens on `--host fe80::a%veth-a`; its
 * client, on the other side, reaches it with `--host fe80::a%veth-b` (the
 * interface is the sender's own), and takes the reply, which Deno shows as
 * coming from `fe80::a`, with no interface.
 *
 * Needs root and `ip` (Debian package iproute2); without them the test is
 * ignored, except under CI=true. Both namespaces are deleted at the end.
 */
import { assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { decode, encode } from "../_helpers.ts";
import {
  findTool,
  interopTest,
  ipCommand,
  namespacePair,
  runningAsRoot,
  runTool,
  startTool,
} from "./_tools.ts";

const ip = await findTool("ip", "iproute2");
const root = await runningAsRoot();

const PAIRS: [string, string, string[], RegExp][] = [
  ["echo_server", "echo_client", [], /^Server reply : OK\.\.\.hello\n$/],
  ["hello_server", "hello_client", ["Ada"], /^Hello, Ada!\n$/],
  ["time_server", "time_client", ["--iso"], /^\d{4}-\d\d-\d\dT[\d:.]+Z\n$/],
  [
    "size_server",
    "improved_client",
    [],
    /^Attempt 1: sent to \[fe80::a%veth-b\]:\d+, waiting 0\.10 s\nThe Server reply: Your data was 12 bytes\n$/,
  ],
];

interopTest(
  "servers on fe80::a%veth-a answer their clients aimed at fe80::a%veth-b, across a veth link",
  [root, ip],
  async (t) => {
    await using pair = await namespacePair("zone", "198.51.100");
    // Fixed link-local addresses, usable at once (no duplicate detection).
    await ipCommand(
      "-n",
      pair.a,
      "addr",
      "add",
      "fe80::a/64",
      "dev",
      "veth-a",
      "nodad",
    );
    await ipCommand(
      "-n",
      pair.b,
      "addr",
      "add",
      "fe80::b/64",
      "dev",
      "veth-b",
      "nodad",
    );
    const deno = (ns: string, script: string, args: string[]) =>
      pair.exec(ns, Deno.execPath(), [
        "run",
        "-N",
        `scripts/${script}.ts`,
        ...args,
      ]);
    /** Starts a server in A on fe80::a%veth-a; its port is `ready[1]`. */
    const startServer = (name: string) =>
      startTool(...deno(pair.a, name, ["--host", "fe80::a%veth-a"]), {
        ready: {
          stream: "stdout",
          pattern: /listening on \[fe80::a\]:(\d+)$/m,
        },
      });
    /** Runs a client in B against fe80::a with the interface given. */
    const runClient = (
      name: string,
      zone: string,
      port: string,
      args: string[],
    ) =>
      runTool(
        ...deno(pair.b, name, [
          "--host",
          `fe80::a%${zone}`,
          "--port",
          port,
          ...args,
        ]),
        { stdin: encode("hello\n"), timeoutMs: 15_000 },
      );
    for (const [serverName, clientName, args, prints] of PAIRS) {
      await t.step(`${serverName} and ${clientName}`, async () => {
        await using server = await startServer(serverName);
        const port = server.ready?.[1] ?? "";
        const client = await runClient(clientName, "veth-b", port, args);
        assertEquals(client.code, 0, client.stderr);
        assertMatch(decode(client.stdout), prints);
      });
    }
    await t.step("an interface given by its number", async () => {
      await using server = await startServer("echo_server");
      // `ip -o link` starts each line with the interface's number.
      const link = await ipCommand(
        "-n",
        pair.b,
        "-o",
        "link",
        "show",
        "veth-b",
      );
      const index = link.split(":")[0];
      const client = await runClient(
        "echo_client",
        index,
        server.ready?.[1] ?? "",
        [],
      );
      assertEquals(client.code, 0, client.stderr);
      assertEquals(decode(client.stdout), "Server reply : OK...hello\n");
    });
    await t.step(
      "the interface is honoured: %lo does not reach it",
      async () => {
        await using server = await startServer("echo_server");
        const client = await runClient(
          "echo_client",
          "lo",
          server.ready?.[1] ?? "",
          [
            "--timeout",
            "1",
          ],
        );
        assertEquals(client.code, 1);
        assertEquals(decode(client.stdout), "");
        // lo has no link-local address in that namespace: the system refuses.
        assertEquals(
          client.stderr,
          "echo_client: Network is unreachable (os error 101)\n",
        );
      },
    );
  },
);

/**
 * multicast_sender and multicast_listener on this machine: the group
 * 239.255.0.1 joined on the loopback interface, with a TTL of 0, so nothing
 * leaves it; the minimal pair and the full pair with each other; and every
 * misuse as one line and exit code 2.
 *
 * IPv6 multicast needs an interface other than lo, so its tests run in a
 * network namespace: tests/interop/multicast_netns_test.ts.
 */
import {
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import {
  type RunningProcess,
  type RunningScript,
  runProcess,
  runScript,
  type ScriptResult,
  sleep,
  startProcess,
  startScript,
} from "../_helpers.ts";

/** The lines a listener printed for the datagrams it heard. */
function heard(stdout: string): string[] {
  return stdout.split("\n").filter((line) => line.includes(" says: "));
}

/** Waits (5 s at most) until a listener has printed `count` datagrams. */
async function waitForHeard(
  listener: RunningScript,
  count: number,
): Promise<string[]> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    if (heard(listener.stdout()).length >= count) break;
    await sleep(50);
  }
  return heard(listener.stdout());
}

/** Runs the sender with `args`, after --port, and checks it exits 0. */
async function send(port: number, args: string[] = []): Promise<ScriptResult> {
  const result = await runScript("multicast_sender", [
    "--port",
    String(port),
    ...args,
  ]);
  assertEquals(result.code, 0, result.stderr);
  return result;
}

Deno.test("two multicast_listeners on one port both hear every datagram multicast_sender sends", async () => {
  await using first = await startScript("multicast_listener", [
    "--port",
    "0",
  ]);
  assertEquals(first.address.hostname, "0.0.0.0");
  const port = first.address.port;
  await using second = await startScript("multicast_listener", [
    "--port",
    String(port),
  ]);
  assertEquals(second.address.port, port);
  const sent = await send(port, ["--count", "3", "--interval", "0.1"]);
  assertEquals(
    sent.stdout,
    `Sending to 239.255.0.1:${port} from interface 127.0.0.1, TTL 0 (stays on this machine)\n` +
      [1, 2, 3].map((i) =>
        `Sent "Multicast message" to 239.255.0.1:${port} (${i}/3)\n`
      ).join(""),
  );
  for (const listener of [first, second]) {
    const lines = await waitForHeard(listener, 3);
    assertEquals(lines.length, 3, lines.join("\n"));
    for (const line of lines) {
      assertMatch(
        line,
        /^The sender at 127\.0\.0\.1:\d+ says: Multicast message$/,
      );
    }
  }
});

Deno.test("multicast_listener says which group it joined, and leaves it on Ctrl-C with exit code 0", async () => {
  await using listener = await startScript("multicast_listener", [
    "--port",
    "0",
  ]);
  const port = listener.address.port;
  await send(port, ["--message", "before"]);
  await listener.waitForLine(/says: before$/);
  const { code, stdout } = await listener.stop();
  assertEquals(code, 0);
  assertEquals(
    stdout.split("\n").filter((line) => !line.includes(" says: ")),
    [
      "joined 239.255.0.1 on interface 127.0.0.1",
      `multicast listener listening on 0.0.0.0:${port}`,
      "left 239.255.0.1",
      "",
    ],
  );
});

Deno.test("multicast_listener hears its own group only, and what it prints is made safe", async () => {
  await using listener = await startScript("multicast_listener", [
    "--port",
    "0",
  ]);
  const port = listener.address.port;
  await send(port, ["--group", "239.255.0.2", "--message", "other group"]);
  await send(port, ["--message", "\x1b[2Jits group\u202e"]);
  await listener.waitForLine(/its group/);
  assertEquals(heard(listener.stdout()).map((line) => line.split(": ")[1]), [
    "\\x1b[2Jits group\\u202e",
  ]);
});

Deno.test("a listener on 0.0.0.0 also hears another group that another listener joined on its port; bound to its group's address, it does not", async () => {
  await using wide = await startScript("multicast_listener", ["--port", "0"]);
  const port = String(wide.address.port);
  await using narrow = await startScript("multicast_listener", [
    "--host",
    "239.255.0.1",
    "--port",
    port,
  ]);
  await using other = await startScript("multicast_listener", [
    "--group",
    "239.255.0.2",
    "--port",
    port,
  ]);
  await send(Number(port), ["--group", "239.255.0.2", "--message", "to .2"]);
  await send(Number(port), ["--message", "to .1"]);
  await other.waitForLine(/says: to \.2$/);
  await wide.waitForLine(/says: to \.1$/);
  await narrow.waitForLine(/says: to \.1$/);
  assertEquals(heard(wide.stdout()).map((line) => line.split(": ")[1]), [
    "to .2",
    "to .1",
  ]);
  assertEquals(heard(narrow.stdout()).map((line) => line.split(": ")[1]), [
    "to .1",
  ]);
});

Deno.test("multicast_listener --host 239.255.0.1 binds the group's address and hears that group", async () => {
  await using listener = await startScript("multicast_listener", [
    "--host",
    "239.255.0.1",
    "--port",
    "0",
  ]);
  assertEquals(listener.address.hostname, "239.255.0.1");
  await send(listener.address.port, ["--message", "to the group"]);
  assertMatch(await listener.waitForLine(/says/), /says: to the group$/);
});

Deno.test("multicast_sender --ttl 1 from 127.0.0.1 still reaches a listener on this machine", async () => {
  await using listener = await startScript("multicast_listener", [
    "--port",
    "0",
  ]);
  const sent = await send(listener.address.port, ["--ttl", "1"]);
  assertStringIncludes(sent.stdout, "TTL 1 (stays on this machine)");
  assertMatch(await listener.waitForLine(/says/), /says: Multicast message$/);
});

Deno.test("multicast_sender sends a message of 65,507 bytes, the most one datagram holds", async () => {
  await using listener = await startScript("multicast_listener", [
    "--port",
    "0",
  ]);
  await send(listener.address.port, ["--message", "x".repeat(65_507)]);
  assertMatch(await listener.waitForLine(/says/), /says: x+ .*65,?507 bytes/);
});

Deno.test("the multicast scripts refuse each misuse in one line and exit code 2", async (t) => {
  const cases: [string, string[], RegExp][] = [
    [
      "multicast_sender",
      ["--group", "10.0.0.1"],
      /--group 10\.0\.0\.1 is not a multicast address \(IPv4 groups run from 224\.0\.0\.0 to 239\.255\.255\.255, IPv6 groups start with ff\)/,
    ],
    [
      "multicast_listener",
      ["--group", "::1"],
      /--group ::1 is not a multicast address/,
    ],
    [
      "multicast_listener",
      ["--group", "239.255.0"],
      /--group must be a multicast address .*, not "239\.255\.0"/,
    ],
    [
      "multicast_sender",
      ["--ttl", "256"],
      /--ttl must be a whole number from 0 to 255, not "256"/,
    ],
    [
      "multicast_sender",
      ["--ttl", "-1"],
      /--ttl must be a whole number from 0 to 255, not "-1"/,
    ],
    [
      "multicast_sender",
      ["--interface", "192.0.2.99"],
      /--interface 192\.0\.2\.99 is not an IPv4 address of this machine/,
    ],
    [
      "multicast_listener",
      ["--interface", "192.0.2.99"],
      /--interface 192\.0\.2\.99 is not an IPv4 address of this machine \(the system says: No such device \(os error 19\)\)/,
    ],
    [
      "multicast_listener",
      ["--interface", "eth0"],
      /--interface must be an IPv4 address of this machine for an IPv4 group, such as 127\.0\.0\.1, not "eth0"/,
    ],
    [
      "multicast_sender",
      ["--interface", "0.0.0.0"],
      /--interface must name one interface by its address; 0\.0\.0\.0 would leave the choice to the routing table/,
    ],
    [
      "multicast_listener",
      ["--group", "ff01::1:2"],
      /--interface must be an interface index for an IPv6 group, such as 2 \(ip link lists them\), not "127\.0\.0\.1"/,
    ],
    [
      "multicast_listener",
      ["--group", "ff01::1:2", "--interface", "4000000"],
      /--interface 4000000: this machine has no interface with that index \(the system says: No such device \(os error 19\)\)/,
    ],
    [
      "multicast_sender",
      ["--group", "ff01::1:2", "--interface", "4000000"],
      /--interface 4000000: this machine has no interface with that index/,
    ],
    [
      "multicast_sender",
      ["--group", "ff01::1:2", "--interface", "1", "--ttl", "2"],
      /--ttl 2: Deno cannot set the hop limit of IPv6 multicast, which stays 1/,
    ],
    [
      "multicast_sender",
      ["--group", "ff02::1:2", "--interface", "1"],
      /--group ff02::1:2 is link-local: .*add --ttl 1 to send it there, or use ff01:: to stay on this machine/,
    ],
    [
      "multicast_sender",
      ["--group", "ff05::1:2", "--interface", "1", "--ttl", "1"],
      /--group ff05::1:2: an IPv6 group must be interface-local \(ffx1::\) or link-local \(ffx2::\) here/,
    ],
    [
      "multicast_sender",
      ["--port", "0"],
      /--port must be a whole number from 1 to 65535, not "0"/,
    ],
    [
      "multicast_listener",
      ["--port", "notaport"],
      /--port must be a whole number from 0 to 65535, not "notaport"/,
    ],
    [
      "multicast_sender",
      ["--count", "0"],
      /--count must be a whole number from 1 to 1000000, not "0"/,
    ],
    [
      "multicast_sender",
      ["--interval", "0"],
      /--interval must be a number above 0 and at most 86400, not "0"/,
    ],
    [
      "multicast_sender",
      ["--message", "x".repeat(65_508)],
      /--message is 65,508 bytes; one datagram holds 65,507 at most/,
    ],
    ["multicast_listener", ["--colour", "red"], /unknown flag --colour/],
    ["multicast_sender", ["--to", "239.255.0.1"], /unknown flag --to/],
  ];
  for (const [name, args, message] of cases) {
    const shown = args.map((arg) =>
      arg.length > 20 ? `<${arg.length} bytes>` : JSON.stringify(arg)
    );
    await t.step(`${name} ${shown.join(" ")}`, async () => {
      const { code, stdout, stderr } = await runScript(name, args);
      assertEquals(code, 2, stderr);
      assertEquals(stdout, "");
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
      assertMatch(stderr, new RegExp(`^${name}: `));
      assertMatch(stderr, message);
      assertStringIncludes(stderr, "Usage: ");
    });
  }
});

Deno.test("the multicast scripts' --help lists their flags and exits 0", async (t) => {
  const flags = {
    multicast_listener: ["--group", "--port", "--interface", "--host"],
    multicast_sender: [
      "--group",
      "--port",
      "--interface",
      "--ttl",
      "--count",
      "--interval",
      "--message",
    ],
  };
  for (const [name, expected] of Object.entries(flags)) {
    await t.step(name, async () => {
      const { code, stdout, stderr } = await runScript(name, ["--help"]);
      assertEquals(code, 0, stderr);
      assertStringIncludes(stdout, `deno run -N scripts/${name}.ts`);
      for (const flag of [...expected, "-h, --help"]) {
        assertStringIncludes(stdout, flag);
      }
    });
  }
});

// The minimal files, run as a reader runs a copy: no deno.json.

/** The command line of a minimal file, as the tests of minimal files run it. */
function minimal(name: string, args: string[]): [string, string[]] {
  return [Deno.execPath(), [
    "run",
    "--no-config",
    "-N",
    "--unstable-net",
    `scripts/minimal/${name}.ts`,
    ...args,
  ]];
}

/** Starts the minimal listener and waits for its ready line. */
async function startMinimalListener(
  port: number,
): Promise<RunningProcess & { port: number }> {
  const running = startProcess(...minimal("multicast_listener", [
    String(port),
  ]));
  try {
    const [, bound] = await running.waitFor(
      "stdout",
      /^joined 239\.255\.0\.1, listening on 0\.0\.0\.0:(\d+)$/m,
    );
    return Object.assign(running, { port: Number(bound) });
  } catch (error) {
    await running.stop();
    throw error;
  }
}

Deno.test("the minimal multicast pair: two minimal listeners hear the minimal sender", async () => {
  await using first = await startMinimalListener(0);
  await using second = await startMinimalListener(first.port);
  const sent = await runProcess(
    ...minimal("multicast_sender", [String(first.port), "hi\x1b[31m"]),
  );
  assertEquals(sent.code, 0, sent.stderr);
  assertEquals(
    new TextDecoder().decode(sent.stdout),
    `Sent "hi\\u001b[31m" to 239.255.0.1:${first.port}\n`,
  );
  for (const listener of [first, second]) {
    const [line] = await listener.waitFor("stdout", /^The sender at .*$/m);
    assertMatch(line, /^The sender at 127\.0\.0\.1:\d+ says: hi\\u001b\[31m$/);
  }
});

Deno.test("the minimal multicast listener leaves the group and exits 0 on Ctrl-C", async () => {
  const listener = await startMinimalListener(0);
  listener.child.kill("SIGINT");
  const status = await listener.child.status;
  await listener.stop();
  assertEquals(status.code, 0);
});

Deno.test("the minimal and the full multicast scripts talk to each other", async (t) => {
  await t.step("the full sender to the minimal listener", async () => {
    await using listener = await startMinimalListener(0);
    await send(listener.port, ["--message", "full to minimal"]);
    await listener.waitFor("stdout", /says: full to minimal$/m);
  });
  await t.step("the minimal sender to the full listener", async () => {
    await using listener = await startScript("multicast_listener", [
      "--port",
      "0",
    ]);
    const sent = await runProcess(...minimal("multicast_sender", [
      String(listener.address.port),
      "minimal to full",
    ]));
    assertEquals(sent.code, 0, sent.stderr);
    assertMatch(
      await listener.waitForLine(/says/),
      /^The sender at 127\.0\.0\.1:\d+ says: minimal to full$/,
    );
  });
});

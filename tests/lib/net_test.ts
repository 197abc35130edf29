import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "jsr:@std/assert@^1";
import {
  bindError,
  clientAddressFor,
  formatAddress,
  isFrom,
  resolveServer,
} from "../../lib/net.ts";
import { addressOf, loopbackSocket } from "../_helpers.ts";
import { libUrl, runCode } from "./_subprocess.ts";

const udp = (hostname: string, port: number): Deno.NetAddr => ({
  transport: "udp",
  hostname,
  port,
});

Deno.test("formatAddress() shows HOST:PORT, IPv6 in brackets", async (t) => {
  await t.step("IPv4", () => {
    assertEquals(formatAddress(udp("127.0.0.1", 8888)), "127.0.0.1:8888");
  });
  await t.step("IPv6 in brackets", () => {
    assertEquals(formatAddress(udp("::1", 8888)), "[::1]:8888");
    assertEquals(formatAddress(udp("fe80::1%lo", 1)), "[fe80::1%lo]:1");
  });
  await t.step("an IPv4-mapped IPv6 address as the IPv4 address it is", () => {
    assertEquals(formatAddress(udp("::ffff:127.0.0.1", 9)), "127.0.0.1:9");
  });
  await t.step("other IPv6 addresses that contain dots stay IPv6", () => {
    assertEquals(
      formatAddress(udp("64:ff9b::1.2.3.4", 9)),
      "[64:ff9b::1.2.3.4]:9",
    );
  });
});

Deno.test("bindError() says what went wrong and what to do", async (t) => {
  await t.step("a port in use names the address and --port", () => {
    for (const hostname of ["127.0.0.1", "::1"]) {
      using taken = loopbackSocket(hostname);
      const { port } = addressOf(taken);
      let message = "";
      try {
        Deno.listenDatagram({ transport: "udp", hostname, port });
      } catch (error) {
        message = bindError(error, hostname, port);
      }
      assertStringIncludes(
        message,
        `${formatAddress(udp(hostname, port))} is already in use`,
      );
      assertStringIncludes(message, "--port");
    }
  });
  await t.step("an address not on this machine", async () => {
    // 203.0.113.1 (TEST-NET-3) is only bound, never sent to.
    const result = await runCode(
      `import { bindError } from "${libUrl("net.ts")}";
try {
  Deno.listenDatagram({ transport: "udp", hostname: "203.0.113.1", port: 0 });
} catch (error) {
  console.log(bindError(error, "203.0.113.1", 0));
}`,
      { permissions: ["--allow-net=203.0.113.1", "--unstable-net"] },
    );
    assertEquals(
      result.stdout,
      "203.0.113.1 is not an address of this machine; use 127.0.0.1, ::1, 0.0.0.0 or ::\n",
    );
  });
  await t.step("no network permission", async () => {
    const result = await runCode(
      `import { bindError } from "${libUrl("net.ts")}";
try {
  Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
} catch (error) {
  console.log(bindError(error, "127.0.0.1", 0));
}`,
      { permissions: ["--unstable-net"] },
    );
    assertEquals(
      result.stdout,
      "no permission to use the network; run with -N (--allow-net)\n",
    );
  });
  await t.step("a privileged port, and anything else with its address", () => {
    assertStringIncludes(
      bindError(new Deno.errors.PermissionDenied("denied"), "0.0.0.0", 7),
      "ports below 1024 need privileges",
    );
    assertEquals(
      bindError(new Error("odd"), "::", 9),
      "cannot listen on [::]:9: odd",
    );
  });
  await t.step("a link-local address without its interface", () => {
    // What Deno 2.9 throws for fe80::1 with no %interface: EINVAL.
    const error = new TypeError("Invalid argument (os error 22)");
    assertEquals(
      bindError(error, "fe80::1", 8888),
      "cannot listen on [fe80::1]:8888: a link-local address needs its interface after a %, as in fe80::1%eth0",
    );
  });
  await t.step("the --host typed, and Deno's message, made safe", () => {
    const host = "evil\u202e\x1b[2J";
    assertEquals(
      bindError(new Error("no\nway"), host, 9),
      "cannot listen on evil\\u202e\\x1b[2J:9: no\\nway",
    );
    assertEquals(
      bindError(new Deno.errors.AddrNotAvailable("gone"), host, 9),
      "evil\\u202e\\x1b[2J is not an address of this machine; use 127.0.0.1, ::1, 0.0.0.0 or ::",
    );
  });
});

Deno.test("resolveServer() gives the one IP address replies must come from", async (t) => {
  await t.step("IPv4 as it is, IPv4-mapped as IPv4", async () => {
    assertEquals(
      await resolveServer("127.0.0.1", 8888),
      udp("127.0.0.1", 8888),
    );
    assertEquals(
      (await resolveServer("::ffff:127.0.0.2", 1)).hostname,
      "127.0.0.2",
    );
  });
  await t.step("IPv6 in its short form, brackets or not", async () => {
    assertEquals((await resolveServer("0:0:0:0:0:0:0:1", 1)).hostname, "::1");
    assertEquals((await resolveServer("[::1]", 1)).hostname, "::1");
  });
  await t.step("a malformed IPv6 address", async () => {
    await assertRejects(
      () => resolveServer("::g", 1),
      Error,
      '"::g" is not a valid IPv6 address',
    );
  });
  await t.step("what the user typed, made safe in the message", async () => {
    await assertRejects(
      () => resolveServer("::g\u202e\x1b[2J", 1),
      Error,
      '"::g\\u202e\\x1b[2J" is not a valid IPv6 address',
    );
  });
  await t.step("a link-local address keeps its interface", async () => {
    assertEquals(
      await resolveServer("fe80::1%lo", 8888),
      udp("fe80::1%lo", 8888),
    );
    assertEquals(
      (await resolveServer("[FE80:0:0::1%eth0]", 1)).hostname,
      "fe80::1%eth0",
    );
    assertEquals((await resolveServer("fe80::1%2", 1)).hostname, "fe80::1%2");
  });
  await t.step("an interface only after a link-local address", async () => {
    for (
      const [host, message] of [
        ["::1%lo", '"::1%lo": only a link-local address (fe80::…) takes'],
        ["fe80::1%", '"fe80::1%": "" is not an interface\'s name or number'],
        ["fe80::1%a%b", '"fe80::1%a%b": "a" is not an interface'],
        ["fe80::1%e\u202eth0", '"fe80::1%e\\u202eth0": "e\\u202eth0" is not'],
        ["fe8::1%lo", "only a link-local address"],
      ]
    ) {
      await assertRejects(() => resolveServer(host, 1), Error, message);
    }
  });
  await t.step(
    "names, the way the system resolves them (in a process with -N)",
    async () => {
      const result = await runCode(
        `import { resolveServer } from "${libUrl("net.ts")}";
console.log((await resolveServer("localhost", 1)).hostname);
await resolveServer("nosuch.invalid", 1).catch((error) => console.log(error.message));`,
        { permissions: ["-N"] },
      );
      const [localhost, nosuch] = result.stdout.trimEnd().split("\n");
      assert(localhost === "::1" || localhost.startsWith("127."), localhost);
      assertEquals(
        nosuch,
        'cannot resolve "nosuch.invalid"; check the name or use an IP address',
      );
    },
  );
  await t.step("a name without -N says to run with it", async () => {
    const result = await runCode(
      `import { resolveServer } from "${libUrl("net.ts")}";
await resolveServer("localhost", 1).catch((error) => console.log(error.message));`,
    );
    assertEquals(
      result.stdout,
      'no permission to look up "localhost"; run with -N\n',
    );
  });
});

Deno.test("clientAddressFor() binds the server's family, loopback for loopback", () => {
  assertEquals(clientAddressFor(udp("127.0.0.1", 1)), "127.0.0.1");
  assertEquals(clientAddressFor(udp("127.0.0.2", 1)), "127.0.0.1");
  assertEquals(clientAddressFor(udp("::1", 1)), "::1");
  assertEquals(clientAddressFor(udp("192.0.2.1", 1)), "0.0.0.0");
  assertEquals(clientAddressFor(udp("2001:db8::1", 1)), "::");
});

Deno.test("isFrom() matches address and port, IPv4-mapped included", () => {
  const server = udp("127.0.0.1", 8888);
  assert(isFrom(udp("127.0.0.1", 8888), server));
  assert(isFrom(udp("::ffff:127.0.0.1", 8888), server));
  assert(!isFrom(udp("127.0.0.1", 8889), server));
  assert(!isFrom(udp("127.0.0.2", 8888), server));
  assert(!isFrom({ transport: "unixpacket", path: "/x" }, server));
});

Deno.test("isFrom() matches a link-local server whatever its interface", () => {
  // Deno shows a sender's link-local address without its %interface.
  const server = udp("fe80::1%lo", 8888);
  assert(isFrom(udp("fe80::1", 8888), server));
  assert(!isFrom(udp("fe80::2", 8888), server));
  assert(!isFrom(udp("fe80::1", 8889), server));
});

Deno.test("clientAddressFor() sends to a link-local server from ::", () => {
  assertEquals(clientAddressFor(udp("fe80::1%lo", 1)), "::");
});

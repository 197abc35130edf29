/**
 * Multicast with peers and networks nobody here wrote: socat as listener and
 * as sender on this machine's loopback interface; and, inside network
 * namespaces the tests make, what really goes out of an interface.
 *
 * The namespace tests count the datagrams on a veth link with a packet
 * socket (`tests/interop/_packets.py`), which records each UDP datagram to
 * the group's port with its TTL; an interface's transmit counter would also
 * count the kernel's own traffic (IGMP, neighbour discovery). They show:
 *
 * - nothing leaves by default, though the namespace has a default route
 *   through the veth; `--interface` on the veth and `--ttl 1` do go out;
 * - each reason multicast "is not received" that a namespace can show: no
 *   route for the group, the wrong interface, a TTL too low, a host that
 *   does not route multicast to its containers;
 * - IPv6: what works (an interface-local group on a veth), and what fails
 *   (the loopback interface).
 *
 * The socat tests need socat; the namespace tests need root, `ip` and
 * python3. Without them a test is ignored with the reason, except under
 * CI=true, where it fails.
 */
import { assert, assertEquals, assertMatch } from "jsr:@std/assert@^1";
import { decode, runScript, sleep, startScript } from "../_helpers.ts";
import {
  addDefaultRoute,
  denoIn,
  heard,
  interfaceIndex,
  lan,
  linkLocalReady,
  PORT,
  runIn,
  startCapture,
  startIn,
} from "./_multicast.ts";
import {
  findTool,
  freePort,
  interopTest,
  ipCommand,
  namespacePair,
  runningAsRoot,
  runTool,
  startTool,
} from "./_tools.ts";

const socat = await findTool("socat", "socat");
const ip = await findTool("ip", "iproute2");
const python = await findTool("python3", "python3");
const root = await runningAsRoot();

interopTest(
  "socat joined to 239.255.0.1 on 127.0.0.1 hears multicast_sender",
  [socat],
  async () => {
    const port = freePort();
    // UDP4-RECV prints every datagram of every sender (UDP4-RECVFROM would
    // take one and end); -d -d says when it is ready to receive.
    await using peer = await startTool("socat", [
      "-d",
      "-d",
      "-u",
      `UDP4-RECV:${port},ip-add-membership=239.255.0.1:127.0.0.1,reuseaddr`,
      "-",
    ], {
      ready: { stream: "stderr", pattern: /starting data transfer loop/ },
    });
    const sent = await runScript("multicast_sender", [
      "--port",
      String(port),
      "--message",
      "to socat\n",
      "--count",
      "2",
      "--interval",
      "0.1",
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    await peer.waitFor("stdout", /^to socat\nto socat\n$/);
  },
);

interopTest(
  "multicast_listener hears socat sending to 239.255.0.1 out of 127.0.0.1 with TTL 0",
  [socat],
  async () => {
    await using listener = await startScript("multicast_listener", [
      "--port",
      "0",
    ]);
    const { code, stderr } = await runTool("socat", [
      "-u",
      "-",
      `UDP4-DATAGRAM:239.255.0.1:${listener.address.port},ip-multicast-if=127.0.0.1,ip-multicast-ttl=0`,
    ], { stdin: new TextEncoder().encode("from socat\n") });
    assertEquals(code, 0, stderr);
    assertMatch(
      await listener.waitForLine(/says/),
      /^The sender at 127\.0\.0\.1:\d+ says: from socat$/,
    );
  },
);

// In network namespaces.

interopTest(
  "nothing leaves by default: multicast_sender's datagrams stay off the veth, though the default route runs through it",
  [root, ip, python],
  async () => {
    await using pair = await lan("mcdef");
    const route = await ipCommand("-n", pair.a, "route", "show", "default");
    assertMatch(route, /^default via 198\.51\.100\.2 dev veth-a/);
    await using listener = await startIn(pair.a, "multicast_listener", []);
    // While it runs, the loopback interface is a member of the group.
    assertMatch(
      await ipCommand("-n", pair.a, "maddr", "show", "dev", "lo"),
      /inet\s+239\.255\.0\.1\b/,
    );
    await using capture = await startCapture(pair.a, "veth-a");
    const sent = await runIn(pair.a, "multicast_sender", [
      "--count",
      "3",
      "--interval",
      "0.1",
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    await listener.waitFor("stdout", /(says: Multicast message\n[^]*){3}/);
    const recorded = await capture.stop();
    assertEquals(recorded.datagrams, []);
    const stopped = await listener.stop();
    assertEquals(stopped.code, 0, stopped.stderr);
    assertEquals(heard(decode(stopped.stdout)).length, 3);
    // Once the listener has left, and the sender left what it joined to
    // set its TTL, no interface is a member of the group any more.
    const members = await ipCommand("-n", pair.a, "maddr", "show");
    assert(!members.includes("239.255.0.1"), members);
  },
);

interopTest(
  "multicast_sender --interface on the veth with --ttl 1 goes out, TTL 1 on the wire, and the other namespace hears it",
  [root, ip, python],
  async () => {
    await using pair = await lan("mcttl");
    await using remote = await startIn(pair.b, "multicast_listener", [
      "--interface",
      pair.addressB,
    ]);
    await using capture = await startCapture(pair.a, "veth-a");
    const sent = await runIn(pair.a, "multicast_sender", [
      "--interface",
      pair.addressA,
      "--ttl",
      "1",
      "--count",
      "3",
      "--interval",
      "0.1",
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    assertMatch(
      sent.stdout,
      /^Sending to 239\.255\.0\.1:5007 from interface 198\.51\.100\.1, TTL 1\n/,
    );
    await remote.waitFor("stdout", /(says: Multicast message\n[^]*){3}/);
    const recorded = await capture.stop();
    assertEquals(recorded.datagrams.length, 3, JSON.stringify(recorded));
    for (const datagram of recorded.datagrams) {
      assertEquals(datagram, {
        source: pair.addressA,
        destination: "239.255.0.1",
        ttl: 1,
        bytes: "Multicast message".length,
      });
    }
    const lines = heard(remote.stdoutText());
    for (const line of lines) {
      assertMatch(
        line,
        /^The sender at 198\.51\.100\.1:\d+ says: Multicast message$/,
      );
    }
    // --ttl 5 is what leaves: the TTL set through the membership outlives
    // the membership the sender left.
    await using second = await startCapture(pair.a, "veth-a");
    const far = await runIn(pair.a, "multicast_sender", [
      "--interface",
      pair.addressA,
      "--ttl",
      "5",
    ]);
    assertEquals(far.code, 0, far.stderr);
    await remote.waitFor("stdout", /(says: Multicast message\n[^]*){4}/);
    assertEquals(
      (await second.stop()).datagrams.map((datagram) => datagram.ttl),
      [5],
    );
  },
);

interopTest(
  "not received, TTL: with --interface on the veth and TTL 0, only this machine hears",
  [root, ip, python],
  async () => {
    await using pair = await lan("mczero");
    await using remote = await startIn(pair.b, "multicast_listener", [
      "--interface",
      pair.addressB,
    ]);
    await using local = await startIn(pair.a, "multicast_listener", [
      "--interface",
      pair.addressA,
    ]);
    await using capture = await startCapture(pair.a, "veth-a");
    const sent = await runIn(pair.a, "multicast_sender", [
      "--interface",
      pair.addressA,
      "--message",
      "ttl zero",
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    assertMatch(sent.stdout, /TTL 0 \(stays on this machine\)/);
    // The copy for this machine's listener comes back from the sending
    // side; a TTL of 0 stops the one for the wire.
    await local.waitFor("stdout", /says: ttl zero$/m);
    assertEquals((await capture.stop()).datagrams, []);
    // A second datagram, with --ttl 1, reaches the remote listener: had the
    // first one left, it would have been heard before it.
    const second = await runIn(pair.a, "multicast_sender", [
      "--interface",
      pair.addressA,
      "--ttl",
      "1",
      "--message",
      "ttl one",
    ]);
    assertEquals(second.code, 0, second.stderr);
    await remote.waitFor("stdout", /says: ttl one$/m);
    assertEquals(
      heard(remote.stdoutText()).map((line) => line.split(": ")[1]),
      ["ttl one"],
    );
  },
);

interopTest(
  "not received, wrong interface: a listener joined on 127.0.0.1 misses what comes in on the veth; joined on the veth's address it hears",
  [root, ip],
  async () => {
    await using pair = await lan("mcwrong");
    const send = async (message: string) => {
      const sent = await runIn(pair.b, "multicast_sender", [
        "--interface",
        pair.addressB,
        "--ttl",
        "1",
        "--message",
        message,
      ]);
      assertEquals(sent.code, 0, sent.stderr);
    };
    {
      await using onLoopback = await startIn(pair.a, "multicast_listener", []);
      await send("to the loopback listener");
      // A unicast marker follows the same way, from B to A's address and
      // port: once it is heard, the datagram sent before it would have been.
      const marker = await runIn(pair.b, "broadcast_sender", [
        "--to",
        pair.addressA,
        "--unicast",
        "--port",
        String(PORT),
        "--message",
        "marker",
      ]);
      assertEquals(marker.code, 0, marker.stderr);
      await onLoopback.waitFor("stdout", /says: marker$/m);
      assertEquals(heard(onLoopback.stdoutText()).length, 1);
    }
    await using onVeth = await startIn(pair.a, "multicast_listener", [
      "--interface",
      pair.addressA,
    ]);
    await send("to the veth listener");
    await onVeth.waitFor(
      "stdout",
      /^The sender at 198\.51\.100\.2:\d+ says: to the veth listener$/m,
    );
  },
);

interopTest(
  "not received, no route: a socket that names no interface cannot join or send without a route for the group, and with a default route it sends out of the veth with TTL 1",
  [root, ip, python],
  async () => {
    await using pair = await namespacePair("mcroute", "198.51.100");
    const run = async () => {
      const { code, stdout, stderr } = await runTool(
        ...denoIn(pair.a, "docs/examples/multicast/any_interface.ts", []),
      );
      assertEquals(code, 0, stderr);
      return decode(stdout);
    };
    assertEquals(
      await run(),
      "join failed: No such device (os error 19)\n" +
        "send failed: Network is unreachable (os error 101)\n",
    );
    await addDefaultRoute(pair);
    await using capture = await startCapture(pair.a, "veth-a");
    assertEquals(await run(), "joined\nsent\n");
    // The join also sent a membership report out of the veth, within the
    // interface's unsolicited report interval (1 s by default).
    const interval = await runTool("ip", [
      "netns",
      "exec",
      pair.a,
      "cat",
      "/proc/sys/net/ipv4/conf/veth-a/igmpv3_unsolicited_report_interval",
    ]);
    assertEquals(interval.code, 0, interval.stderr);
    await sleep(Number(decode(interval.stdout)) + 500);
    const recorded = await capture.stop();
    assertEquals(recorded.datagrams, [{
      source: pair.addressA,
      destination: "239.255.0.1",
      ttl: 1,
      bytes: "from 0.0.0.0".length,
    }]);
    // That report is what a switch that snoops IGMP goes by.
    assert(
      recorded.reports.some((report) => report.kind.startsWith("IGMP")),
      JSON.stringify(recorded.reports),
    );
  },
);

interopTest(
  "not received, containers: a host hears the LAN's group, a namespace routed behind it does not, while unicast reaches both",
  [root, ip],
  async () => {
    // B is another machine on the LAN; A is the host; C is a container on
    // a network of its own behind A, as on Docker's default bridge network.
    await using pair = await lan("mcbox");
    const container = `udpdeno-mcbox-c-${Deno.pid}`;
    await ipCommand("netns", "add", container);
    try {
      await ipCommand(
        "link",
        "add",
        "veth-h",
        "netns",
        pair.a,
        "type",
        "veth",
        "peer",
        "name",
        "veth-c",
        "netns",
        container,
      );
      await ipCommand(
        "-n",
        pair.a,
        "addr",
        "add",
        "203.0.113.1/24",
        "dev",
        "veth-h",
      );
      await ipCommand(
        "-n",
        container,
        "addr",
        "add",
        "203.0.113.2/24",
        "dev",
        "veth-c",
      );
      await ipCommand("-n", pair.a, "link", "set", "veth-h", "up");
      await ipCommand("-n", container, "link", "set", "lo", "up");
      await ipCommand("-n", container, "link", "set", "veth-c", "up");
      await ipCommand(
        "-n",
        container,
        "route",
        "add",
        "default",
        "via",
        "203.0.113.1",
      );
      await ipCommand(
        "-n",
        pair.b,
        "route",
        "add",
        "203.0.113.0/24",
        "via",
        pair.addressA,
      );
      const forwarding = await runTool("ip", [
        "netns",
        "exec",
        pair.a,
        "sysctl",
        "-qw",
        "net.ipv4.ip_forward=1",
      ]);
      assertEquals(forwarding.code, 0, forwarding.stderr);

      await using host = await startIn(pair.a, "multicast_listener", [
        "--interface",
        pair.addressA,
      ]);
      await using boxed = await startIn(container, "multicast_listener", [
        "--interface",
        "203.0.113.2",
      ]);
      const sent = await runIn(pair.b, "multicast_sender", [
        "--interface",
        pair.addressB,
        "--ttl",
        "5",
        "--message",
        "to the group",
      ]);
      assertEquals(sent.code, 0, sent.stderr);
      await host.waitFor("stdout", /says: to the group$/m);
      // Unicast from B is routed to the container: once it is heard there,
      // the multicast sent before it would have been too.
      const direct = await runIn(pair.b, "broadcast_sender", [
        "--to",
        "203.0.113.2",
        "--unicast",
        "--port",
        String(PORT),
        "--message",
        "routed unicast",
      ]);
      assertEquals(direct.code, 0, direct.stderr);
      await boxed.waitFor(
        "stdout",
        /^The sender at 198\.51\.100\.2:\d+ says: routed unicast$/m,
      );
      assertEquals(heard(boxed.stdoutText()).length, 1, boxed.stdoutText());
    } finally {
      await runTool("ip", ["netns", "delete", container]);
    }
  },
);

interopTest(
  "IPv6: an interface-local group (ff01::) on a veth reaches two listeners on this machine and nothing on the wire; link-local (ff02::) with --ttl 1 goes out with hop limit 1; lo refuses",
  [root, ip, python],
  async () => {
    await using pair = await lan("mcsix");
    await linkLocalReady(pair.a, "veth-a");
    await linkLocalReady(pair.b, "veth-b");
    const indexA = String(await interfaceIndex(pair.a, "veth-a"));
    const indexB = String(await interfaceIndex(pair.b, "veth-b"));

    await using first = await startIn(pair.a, "multicast_listener", [
      "--group",
      "ff01::1:2",
      "--interface",
      indexA,
    ]);
    await using second = await startIn(pair.a, "multicast_listener", [
      "--group",
      "ff01::1:2",
      "--interface",
      indexA,
    ]);
    assertMatch(first.stdoutText(), /listening on \[::\]:5007$/m);
    await using capture = await startCapture(pair.a, "veth-a");
    const sent = await runIn(pair.a, "multicast_sender", [
      "--group",
      "ff01::1:2",
      "--interface",
      indexA,
      "--count",
      "2",
      "--interval",
      "0.1",
    ]);
    assertEquals(sent.code, 0, sent.stderr);
    assertMatch(
      sent.stdout,
      new RegExp(
        `^Sending to \\[ff01::1:2%${indexA}\\]:5007 from interface ${indexA}, hop limit 1 \\(stays on this machine\\)\n`,
      ),
    );
    for (const listener of [first, second]) {
      await listener.waitFor("stdout", /(says: Multicast message\n[^]*){2}/);
      for (const line of heard(listener.stdoutText())) {
        assertMatch(line, /^The sender at \[fe80::[0-9a-f:]+\]:\d+ says: /);
      }
    }
    assertEquals((await capture.stop()).datagrams, []);

    await using remote = await startIn(pair.b, "multicast_listener", [
      "--group",
      "ff02::1:2",
      "--interface",
      indexB,
    ]);
    await using wire = await startCapture(pair.a, "veth-a");
    const linkLocal = await runIn(pair.a, "multicast_sender", [
      "--group",
      "ff02::1:2",
      "--interface",
      indexA,
      "--ttl",
      "1",
    ]);
    assertEquals(linkLocal.code, 0, linkLocal.stderr);
    await remote.waitFor("stdout", /says: Multicast message$/m);
    const recorded = await wire.stop();
    assertEquals(recorded.datagrams.length, 1, JSON.stringify(recorded));
    assertEquals(recorded.datagrams[0].destination, "ff02::1:2");
    assertEquals(recorded.datagrams[0].ttl, 1);

    // The loopback interface carries no IPv6 multicast: joining on it works,
    // sending out of it does not.
    const onLo = await runIn(pair.a, "multicast_sender", [
      "--group",
      "ff01::1:2",
      "--interface",
      "1",
    ]);
    assertEquals(onLo.code, 1, onLo.stderr);
    assertEquals(onLo.stderr.trimEnd().split("\n").length, 1, onLo.stderr);
    assertMatch(
      onLo.stderr,
      /^multicast_sender: cannot send to \[ff01::1:2%1\]:5007: Network is unreachable \(os error 101\); IPv6 multicast cannot use that interface/,
    );
  },
);

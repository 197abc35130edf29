#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Multicast listener: joins a multicast group and prints every datagram sent
 * to it. It never answers.
 *
 * Goes one step beyond the broadcast pair of a 2015 blog post on Python UDP
 * sockets: a broadcast reaches every machine on a network, a multicast only
 * the sockets that joined its group. It joins 239.255.0.1 on the loopback
 * interface by default, so it hears only this machine; `--interface` names
 * a network's interface by its address. Several listeners on one machine
 * all hear each datagram, since each binds with `reuseAddress`.
 *
 * Run:   deno run -N --unstable-net scripts/multicast_listener.ts [--group 239.255.0.1] [--port 5007] [--interface 127.0.0.1]
 * Hears: scripts/multicast_sender.ts
 *
 * @module
 */
import { green } from "jsr:@std/fmt@^1/colors";
import { fail, onStopSignal, parseCommand, parsePort } from "../lib/cli.ts";
import { log, warn } from "../lib/log.ts";
import { joinError, parseGroup, parseInterface } from "../lib/multicast.ts";
import { bindError, formatAddress } from "../lib/net.ts";

// #region flags
const flags = parseCommand({
  name: "multicast_listener",
  summary:
    "UDP multicast listener: joins a group, prints every datagram sent to it.",
  string: ["group", "port", "interface", "host"],
  default: {
    group: "239.255.0.1",
    port: "5007",
    interface: "127.0.0.1",
    host: "0.0.0.0",
  },
  help: {
    "--group ADDRESS":
      "the group: 224.0.0.0 to 239.255.255.255, or IPv6 ff00::/8",
    "--port N": "UDP port, 0 for any free one",
    "--interface ADDRESS":
      "the interface to join on: its IPv4 address, or its index for IPv6",
    "--host TEXT": "address to listen on (:: for an IPv6 group)",
  },
  notes: [
    "127.0.0.1, the default interface, hears this machine only; a network's",
    "own address, such as 192.168.1.23, hears that network.",
    "IPv6: --group ff01::1:2 --interface 2 (an index from `ip link`; IPv6",
    "multicast does not work on lo).",
    "",
    "Send to it: deno run -N scripts/multicast_sender.ts",
  ],
});
const port = parsePort(flags.port);
const group = parseGroup(flags.group);
const networkInterface = parseInterface(flags.interface, group);
// An IPv6 group is heard on an IPv6 socket: 0.0.0.0 then means ::.
const host = group.family === 6 && flags.host === "0.0.0.0" ? "::" : flags.host;
// #endregion flags

// #region listen
// Every datagram to the group on this port reaches every socket that joined
// it; reuseAddress lets several listeners on this machine bind the same
// port, and each gets its own copy. The listener binds 0.0.0.0, every IPv4
// address, since a datagram to the group is addressed to no address of this
// machine. It never answers, so it cannot be made to send anything.
let conn: Deno.DatagramConn;
try {
  conn = Deno.listenDatagram({
    transport: "udp",
    hostname: host,
    port,
    reuseAddress: true,
  });
} catch (error) {
  fail(bindError(error, host, port));
}
// #endregion listen

// #region join
// Joining tells the system, and the network beyond the interface, that
// datagrams to the group are wanted here: an interface that has not joined
// drops them before any socket sees them. IPv4 names the interface by its
// address, IPv6 by its index.
let membership: Deno.MulticastV4Membership | Deno.MulticastV6Membership;
try {
  membership = group.family === 4
    ? await conn.joinMulticastV4(group.address, networkInterface as string)
    : await conn.joinMulticastV6(group.address, networkInterface as number);
} catch (error) {
  fail(joinError(error, group.address, networkInterface));
}
log(`joined ${group.address} on interface ${networkInterface}`);
// Ctrl-C (or SIGTERM) leaves the group, then closes the socket, which ends
// the loop below.
let stopping = false;
onStopSignal(async () => {
  stopping = true;
  await membership.leave().catch(() => {});
  log(`left ${group.address}`);
  conn.close();
});
// Name the real port: with --port 0 the system picked it.
log(green(`multicast listener listening on ${formatAddress(conn.addr)}`));
// #endregion join

// #region loop
// One buffer for every datagram, larger than any UDP payload: nothing is cut.
const buffer = new Uint8Array(65_536);
while (true) {
  let data: Uint8Array, from: Deno.Addr;
  try {
    [data, from] = await conn.receive(buffer);
  } catch (error) {
    if (stopping) break; // the socket was closed on purpose
    warn(`receive failed: ${error}`); // a passing error: keep listening
    continue;
  }
  // Anyone who can reach the group can send anything: bytes are made safe
  // before they reach a terminal, and the log never makes the loop wait.
  log`The sender at ${from} says: ${data}`;
}
// #endregion loop

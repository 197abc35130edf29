#!/usr/bin/env -S deno run -N --unstable-net
/**
 * Multicast sender: sends a datagram to a multicast group, for every socket
 * that joined the group to hear.
 *
 * Goes one step beyond the broadcast pair of a 2015 blog post on Python UDP
 * sockets. By default it sends to 239.255.0.1 from the loopback interface
 * with a TTL of 0, so nothing leaves this machine; reaching a network takes
 * both `--interface` (this machine's address on it) and `--ttl 1` or more.
 *
 * Run:   deno run -N --unstable-net scripts/multicast_sender.ts [--group 239.255.0.1] [--port 5007] [--count 3]
 * Heard by: scripts/multicast_listener.ts
 *
 * @module
 */
import {
  fail,
  parseCommand,
  parseNumber,
  parsePort,
  usage,
} from "../lib/cli.ts";
import { joinError, parseGroup, parseInterface } from "../lib/multicast.ts";
import { bindError, formatAddress } from "../lib/net.ts";

// #region flags
const flags = parseCommand({
  name: "multicast_sender",
  summary: "UDP multicast sender: sends a message to a multicast group.",
  string: ["group", "port", "interface", "ttl", "message", "count", "interval"],
  default: {
    group: "239.255.0.1",
    port: "5007",
    interface: "127.0.0.1",
    ttl: "0",
    message: "Multicast message",
    count: "1",
    interval: "1",
  },
  help: {
    "--group ADDRESS":
      "the group: 224.0.0.0 to 239.255.255.255, or IPv6 ffx1:: and ffx2::",
    "--port N": "the listeners' UDP port",
    "--interface ADDRESS":
      "the interface to send from: its IPv4 address, or its index for IPv6",
    "--ttl N": "how many routers it may cross: 0 stays on this machine",
    "--message TEXT": "the text to send, at most 65,507 bytes",
    "--count N": "how many times to send it",
    "--interval SECONDS": "seconds between sends",
  },
  notes: [
    "The defaults never leave this machine. A network takes both the",
    "interface's address and a TTL: --interface 192.168.1.23 --ttl 1.",
    "IPv6: --group ff01::1:2 --interface 2 stays on this machine (the kernel",
    "keeps ff01:: on the interface); ff02:: reaches the link with --ttl 1.",
    "",
    "Listen first: deno run -N scripts/multicast_listener.ts",
  ],
});
const port = parsePort(flags.port, "port", 1);
const group = parseGroup(flags.group);
const networkInterface = parseInterface(flags.interface, group);
const ttl = parseNumber(flags.ttl, "ttl", { min: 0, max: 255, whole: true });
const count = parseNumber(flags.count, "count", {
  min: 1,
  max: 1_000_000,
  whole: true,
});
const intervalMs =
  parseNumber(flags.interval, "interval", { above: 0, max: 86_400 }) * 1000;
// One datagram holds the whole message: 65,507 bytes at most over IPv4.
const payload = new TextEncoder().encode(flags.message);
if (payload.length > 65_507) {
  const size = payload.length.toLocaleString("en-US");
  usage(`--message is ${size} bytes; one datagram holds 65,507 at most`);
}
// #endregion flags

// #region ipv6
// Deno cannot set the hop limit of IPv6 multicast (its membership has no
// setTTL()): it stays at the system's default, 1, one link. So an IPv6 group
// stays on this machine only by its scope: the kernel keeps an
// interface-local group (ffx1::) on the interface, and sends a link-local
// one (ffx2::) to the link, which takes --ttl 1 on purpose. Wider scopes are
// refused: with a hop limit of 1 they could not go further than the link,
// and only these two scopes let the interface be chosen.
if (group.family === 6) {
  if (ttl > 1) {
    usage(
      `--ttl ${ttl}: Deno cannot set the hop limit of IPv6 multicast, ` +
        "which stays 1",
    );
  }
  if (group.scope === 2 && ttl === 0) {
    usage(
      `--group ${group.address} is link-local: it goes out to the link ` +
        "with a hop limit of 1, which Deno cannot lower; add --ttl 1 to " +
        "send it there, or use ff01:: to stay on this machine",
    );
  }
  if (group.scope !== 1 && group.scope !== 2) {
    usage(
      `--group ${group.address}: an IPv6 group must be interface-local ` +
        "(ffx1::) or link-local (ffx2::) here, since Deno can neither " +
        "choose the interface nor raise the hop limit for wider ones",
    );
  }
}
// #endregion ipv6

// #region socket
// The sender binds the interface's own address: the system sends a datagram
// to a group out of the interface that owns the socket's address, so
// 127.0.0.1 means the loopback interface, which leads nowhere else. (From
// 0.0.0.0 the routing table would choose, usually the default route's
// interface.) An IPv6 socket cannot be pointed at an interface this way:
// the interface goes with the destination instead, below.
// loopback: true hands a copy of each datagram to listeners on this machine
// whatever the interface; Deno turns it off by default.
const hostname = group.family === 4 ? networkInterface as string : "::";
let conn: Deno.DatagramConn;
try {
  conn = Deno.listenDatagram({
    transport: "udp",
    hostname,
    port: 0,
    loopback: true,
  });
} catch (error) {
  if (error instanceof Deno.errors.AddrNotAvailable) {
    usage(`--interface ${hostname} is not an IPv4 address of this machine`);
  }
  fail(bindError(error, hostname, 0));
}
// Deno sets the TTL through a membership of the group, so the sender joins
// the group on its interface, sets the TTL, and leaves again: the TTL is the
// socket's and stays, while a membership kept would make this machine a
// member of the group (and so let every socket on the port hear it). With
// IPv6 the join checks that the interface exists. A TTL of 0 never leaves
// this machine; 1 reaches the network; each router on the way takes 1 off.
try {
  if (group.family === 4) {
    const membership = await conn.joinMulticastV4(
      group.address,
      networkInterface as string,
    );
    await membership.setTTL(ttl);
    await membership.leave();
  } else {
    const membership = await conn.joinMulticastV6(
      group.address,
      networkInterface as number,
    );
    await membership.leave();
  }
} catch (error) {
  fail(joinError(error, group.address, networkInterface));
}
// #endregion socket

// #region send
// An IPv6 group of these scopes is sent to on one interface, named after %
// in the address (a scope ID), as a link-local address is.
const to: Deno.NetAddr = {
  transport: "udp",
  hostname: group.family === 4
    ? group.address
    : `${group.address}%${networkInterface}`,
  port,
};
const staysHere = group.family === 4
  ? ttl === 0 || hostname.startsWith("127.")
  : group.scope === 1;
console.log(
  `Sending to ${formatAddress(to)} from interface ${networkInterface}, ` +
    (group.family === 4 ? `TTL ${ttl}` : "hop limit 1") +
    (staysHere ? " (stays on this machine)" : ""),
);
// Nobody acknowledges a multicast: send --count copies, --interval apart, so
// the message still arrives if one copy is lost. A send the system refuses
// is one line and exit code 1.
for (let i = 1; i <= count; i++) {
  try {
    await conn.send(payload, to);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const unreachable = error instanceof Deno.errors.NetworkUnreachable;
    const hint = group.family === 6 && unreachable
      ? "; IPv6 multicast cannot use that interface (the loopback one, lo, " +
        "carries none): give another index from `ip link`"
      : "";
    fail(`cannot send to ${formatAddress(to)}: ${reason}${hint}`);
  }
  console.log(
    `Sent ${JSON.stringify(flags.message)} to ${
      formatAddress(to)
    } (${i}/${count})`,
  );
  if (i < count) await new Promise((done) => setTimeout(done, intervalMs));
}
conn.close();
// #endregion send

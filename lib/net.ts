/**
 * Addresses: showing them, explaining why a bind failed, and resolving a
 * client's target to the one IP address its replies must come from.
 *
 * @module
 */
import { quoted, safeString } from "./text.ts";

/**
 * Shows an address as `HOST:PORT`, with IPv6 hosts in brackets. An IPv4
 * client seen through a dual-stack socket (`::ffff:127.0.0.1`) is shown as the
 * plain IPv4 address it is.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { formatAddress } from "./net.ts";
 *
 * assertEquals(formatAddress({ transport: "udp", hostname: "::1", port: 7 }), "[::1]:7");
 * ```
 *
 * @param addr An address from `receive()` or `conn.addr`.
 * @returns Text such as `127.0.0.1:8888` or `[::1]:8888`.
 */
export function formatAddress(addr: Deno.Addr): string {
  if (addr.transport !== "udp" && addr.transport !== "tcp") {
    return addr.transport;
  }
  const host = addr.hostname.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1");
  return host.includes(":") ? `[${host}]:${addr.port}` : `${host}:${addr.port}`;
}

/**
 * Says in one line why `Deno.listenDatagram` failed, and what to do: the port
 * is taken, the address is not on this machine, the port needs privileges,
 * or `-N` is missing.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "jsr:@std/assert@^1";
 * import { bindError } from "./net.ts";
 *
 * const error = new Deno.errors.AddrInUse("Address already in use");
 * assertStringIncludes(bindError(error, "127.0.0.1", 8888), "--port");
 * ```
 *
 * @param error What `Deno.listenDatagram` threw.
 * @param hostname The address it was asked to bind.
 * @param port The port it was asked to bind.
 * @returns The message for the user.
 */
export function bindError(
  error: unknown,
  hostname: string,
  port: number,
): string {
  // The address is the user's --host, as typed: shown made safe.
  const host = safeString(hostname);
  const where = formatAddress({ transport: "udp", hostname: host, port });
  if (error instanceof Deno.errors.AddrInUse) {
    return `${where} is already in use; stop the program using it or choose another port with --port`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `${host} is not an address of this machine; use 127.0.0.1, ::1, 0.0.0.0 or ::`;
  }
  if (error instanceof Deno.errors.NotCapable) {
    return "no permission to use the network; run with -N (--allow-net)";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `the system refused ${where} (ports below 1024 need privileges); choose a port above 1023 with --port`;
  }
  if (/^\[?fe[89ab][0-9a-f]:[^%]*$/i.test(hostname)) {
    return `cannot listen on ${where}: a link-local address needs its interface after a %, as in ${host}%eth0`;
  }
  return `cannot listen on ${where}: ${
    safeString(error instanceof Error ? error.message : String(error))
  }`;
}

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Resolves a server's name to one IP address the way the system does (so
 * `/etc/hosts` counts: `localhost` may be `127.0.0.1` or `::1`). IP addresses
 * come back as they are, IPv6 ones in their short form; a link-local one
 * keeps the interface named after its `%` (`fe80::1%eth0`), which Deno's
 * `send()` needs to know where it goes. A name that does not resolve, or an
 * address that is not one, throws an `Error` whose message says so in one
 * line, with what the user typed made safe.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { resolveServer } from "./net.ts";
 *
 * const server = await resolveServer("0:0:0:0:0:0:0:1", 8888);
 * assertEquals(server.hostname, "::1");
 * ```
 *
 * @param host A name or an IP address.
 * @param port The server's port.
 * @returns The address to send to, and to accept replies from.
 */
export async function resolveServer(
  host: string,
  port: number,
): Promise<Deno.NetAddr> {
  const v4 = host.replace(/^\[?::ffff:(\d+\.\d+\.\d+\.\d+)\]?$/i, "$1");
  if (IPV4.test(v4)) return { transport: "udp", hostname: v4, port };
  if (host.includes(":")) {
    // A link-local address needs its interface after a %, as in fe80::1%eth0.
    const [address, zone, ...more] = host.replace(/^\[|\]$/g, "").split("%");
    let hostname: string;
    try {
      hostname = new URL(`http://[${address}]`).hostname.slice(1, -1);
    } catch {
      throw new Error(`${quoted(host)} is not a valid IPv6 address`);
    }
    if (zone === undefined) return { transport: "udp", hostname, port };
    if (more.length > 0 || !/^[\w.-]{1,15}$/.test(zone)) {
      throw new Error(
        `${quoted(host)}: ${quoted(zone)} is not an interface's name or number`,
      );
    }
    if (!/^fe[89ab][0-9a-f]:/.test(hostname)) {
      throw new Error(
        `${quoted(host)}: only a link-local address (fe80::…) takes an ` +
          "interface after %",
      );
    }
    return { transport: "udp", hostname: `${hostname}%${zone}`, port };
  }
  const { lookup } = await import("node:dns/promises");
  try {
    const { address } = await lookup(host);
    return { transport: "udp", hostname: address, port };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof Deno.errors.NotCapable || code === "EPERM") {
      throw new Error(`no permission to look up ${quoted(host)}; run with -N`);
    }
    throw new Error(
      `cannot resolve ${quoted(host)}; check the name or use an IP address`,
    );
  }
}

/**
 * The address a client binds to reach `server`: the same family (an IPv4
 * socket cannot send to `::1`), and loopback for a loopback server, so
 * nothing outside this machine can reach the client.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { clientAddressFor } from "./net.ts";
 *
 * assertEquals(clientAddressFor({ transport: "udp", hostname: "::1", port: 8888 }), "::1");
 * ```
 *
 * @param server The resolved server address.
 * @returns The local address to bind, with port 0.
 */
export function clientAddressFor(server: Deno.NetAddr): string {
  if (server.hostname === "::1") return "::1";
  if (server.hostname.startsWith("127.")) return "127.0.0.1";
  return server.hostname.includes(":") ? "::" : "0.0.0.0";
}

/**
 * True if a datagram came from `server`'s address and port.
 *
 * @param from The sender of a datagram.
 * @param server The resolved server address.
 * @returns Whether they are the same.
 */
export function isFrom(from: Deno.Addr, server: Deno.NetAddr): boolean {
  // A sender's address never carries the interface (%eth0) that a
  // link-local server's does.
  return from.transport === "udp" && from.port === server.port &&
    from.hostname.replace(/^::ffff:(?=\d)/i, "") ===
      server.hostname.replace(/%.*$/, "");
}

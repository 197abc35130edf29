/**
 * The socket plumbing that every server shares: opening a UDP socket with a
 * clear error, receiving datagrams into one reused buffer, answering without
 * crashing, stopping on Ctrl-C, and printing addresses.
 *
 * @module
 */
import { CliError } from "./flags.ts";
import { safeText } from "./text.ts";

/**
 * The largest UDP payload over IPv4 (65,535 minus the 8-byte UDP header and
 * the 20-byte IP header). A receive buffer this size never truncates.
 */
export const MAX_DATAGRAM = 65_507;

/**
 * Shows an address as `HOST:PORT`, with IPv6 hosts in brackets. An IPv4
 * client seen through a dual-stack socket (`::ffff:127.0.0.1`) is shown as the
 * plain IPv4 address it is.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatAddress } from "./udp.ts";
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
 * Opens a UDP socket bound to `hostname:port`, turning the errors a user can
 * cause into one clear {@linkcode CliError}: the port is taken, the address
 * is not on this machine, the port needs privileges, or `-N` is missing.
 *
 * @example
 * ```ts
 * import { listen } from "./udp.ts";
 *
 * const conn = listen("127.0.0.1", 0);
 * console.log(conn.addr);
 * conn.close();
 * ```
 *
 * @param hostname The local address to bind, such as `127.0.0.1` or `::`.
 * @param port The port; 0 lets the system pick a free one.
 * @returns The bound socket.
 * @throws {CliError} With a message that says what to do.
 */
export function listen(hostname: string, port: number): Deno.DatagramConn {
  try {
    return Deno.listenDatagram({ transport: "udp", hostname, port });
  } catch (error) {
    const where = formatAddress({ transport: "udp", hostname, port });
    if (error instanceof Deno.errors.AddrInUse) {
      throw new CliError(
        `${where} is already in use; stop the program using it or choose another port with --port`,
      );
    }
    if (error instanceof Deno.errors.AddrNotAvailable) {
      throw new CliError(
        `${hostname} is not an address of this machine; use 127.0.0.1, ::1, 0.0.0.0 or ::`,
      );
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new CliError(
        `no permission to use the network; run with -N (--allow-net)`,
      );
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new CliError(
        `the system refused ${where} (ports below 1024 need privileges); choose a port above 1023 with --port`,
      );
    }
    if (error instanceof Error) {
      throw new CliError(`cannot listen on ${where}: ${error.message}`);
    }
    throw error;
  }
}

/** True for the error a pending `receive()` ends with when its socket closes. */
function isClosed(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted;
}

/**
 * Yields each datagram that arrives, until the socket is closed.
 *
 * One buffer is reused for every datagram, so the bytes yielded are valid
 * only until the loop asks for the next one: copy them to keep them. A
 * receive that fails for a passing reason is reported on stderr and the loop
 * goes on; closing the socket (see {@linkcode closeOnSignal}) ends it quietly.
 *
 * @example An echo loop
 * ```ts ignore
 * import { listen, receiveEach } from "./udp.ts";
 *
 * const conn = listen("127.0.0.1", 0);
 * for await (const [data, addr] of receiveEach(conn)) {
 *   await conn.send(data, addr);
 * }
 * ```
 *
 * @param conn The server's socket.
 * @returns Pairs of payload and sender address.
 */
export async function* receiveEach(
  conn: Deno.DatagramConn,
): AsyncGenerator<[Uint8Array, Deno.NetAddr]> {
  const buffer = new Uint8Array(MAX_DATAGRAM);
  while (true) {
    let received: [Uint8Array, Deno.Addr];
    try {
      received = await conn.receive(buffer);
    } catch (error) {
      if (isClosed(error)) return;
      reportError("receive failed", error);
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    const [data, addr] = received;
    if (addr.transport === "udp") yield [data, addr];
  }
}

/**
 * Sends a reply, reporting a failure on stderr instead of throwing: a server
 * must not stop because one client cannot be reached.
 *
 * @example
 * ```ts ignore
 * import { reply } from "./udp.ts";
 *
 * await reply(conn, new TextEncoder().encode("hi"), addr);
 * ```
 *
 * @param conn The server's socket.
 * @param bytes The reply.
 * @param addr Where to send it.
 * @returns Whether the reply was sent.
 */
export async function reply(
  conn: Deno.DatagramConn,
  bytes: Uint8Array,
  addr: Deno.NetAddr,
): Promise<boolean> {
  try {
    await conn.send(bytes, addr);
    return true;
  } catch (error) {
    if (isClosed(error)) return false;
    reportError(`reply to ${formatAddress(addr)} failed`, error);
    return false;
  }
}

function reportError(what: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(
    `${what}: ${safeText(new TextEncoder().encode(message))}`,
  );
}

/**
 * Closes the socket on Ctrl-C (SIGINT) or SIGTERM, which ends a
 * {@linkcode receiveEach} loop so the program can exit 0.
 *
 * @example
 * ```ts ignore
 * import { closeOnSignal, listen } from "./udp.ts";
 *
 * const conn = listen("127.0.0.1", 8888);
 * closeOnSignal(conn);
 * ```
 *
 * @param conn The socket to close.
 */
export function closeOnSignal(conn: Deno.DatagramConn): void {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  function stop() {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
    try {
      conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }
  for (const signal of signals) Deno.addSignalListener(signal, stop);
}

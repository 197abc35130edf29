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
 * The largest UDP payload over IPv4: 65,535 minus the 8-byte UDP header and
 * the 20-byte IP header.
 */
export const MAX_DATAGRAM = 65_507;

/**
 * The size of the buffer {@linkcode receiveEach} receives into: bigger than
 * any UDP payload over IPv4 or IPv6 (65,527 bytes without jumbograms), so no
 * datagram is ever cut short.
 */
export const RECEIVE_BUFFER_SIZE = 65_536;

/**
 * Shows an address as `HOST:PORT`, with IPv6 hosts in brackets. An IPv4
 * client seen through a dual-stack socket (`::ffff:127.0.0.1`) is shown as the
 * plain IPv4 address it is.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
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
  const buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
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
 * Source ports a server never answers: 0 (not a real sender) and the classic
 * inetd services that answer anything (echo 7, discard 9, daytime 13,
 * chargen 19, time 37). A forged request "from" one of them would start two
 * servers answering each other for ever: a reflection loop.
 */
export const REFUSED_SOURCE_PORTS: readonly number[] = [0, 7, 9, 13, 19, 37];

/**
 * How many bytes bigger than its request a reply may be. Every reply here
 * fits (`Your data was 0 bytes` is 21), so a server cannot be used to
 * amplify a flood of small forged requests.
 */
export const MAX_REPLY_GROWTH = 32;

/**
 * Why a server must not answer this sender, or `undefined` if it may: a
 * refused source port, the server's own port (another copy of the same
 * server), or a broadcast, multicast or unspecified address, which no real
 * client sends from.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { refusalReason } from "./udp.ts";
 *
 * const from = { transport: "udp", hostname: "127.0.0.1", port: 19 } as const;
 * assertEquals(refusalReason(from, 8888), "source port 19 is a classic UDP service");
 * ```
 *
 * @param addr The sender of a request.
 * @param ownPort The server's own port.
 * @returns The reason to stay silent, if any.
 */
// #region refusal
export function refusalReason(
  addr: Deno.NetAddr,
  ownPort: number,
): string | undefined {
  if (addr.port === 0) return "source port 0 is not a real sender";
  if (REFUSED_SOURCE_PORTS.includes(addr.port)) {
    return `source port ${addr.port} is a classic UDP service`;
  }
  if (addr.port === ownPort) {
    return `source port ${addr.port} is this server's own port`;
  }
  const host = addr.hostname.toLowerCase().replace(/^::ffff:(?=\d)/, "");
  const firstOctet = Number(host.split(".")[0]);
  if (
    host === "255.255.255.255" || host === "0.0.0.0" || host === "::" ||
    (host.includes(".") && firstOctet >= 224 && firstOctet <= 239) ||
    host.startsWith("ff")
  ) {
    return `source ${addr.hostname} is a broadcast, multicast or unspecified address`;
  }
  return undefined;
}
// #endregion refusal

const REFUSAL_LOG_INTERVAL_MS = 10_000;
const refusals = new Map<string, { count: number; loggedAt: number }>();

/**
 * Reports a refused request on stderr, at most once every 10 seconds per
 * reason, with how many were refused since the last report: a flood of
 * forged requests must not become a flood of log lines.
 */
function noteRefusal(reason: string): void {
  const now = Date.now();
  const seen = refusals.get(reason) ?? { count: 0, loggedAt: -Infinity };
  seen.count++;
  if (now - seen.loggedAt >= REFUSAL_LOG_INTERVAL_MS) {
    const times = seen.count === 1 ? "" : ` (${seen.count} requests)`;
    console.error(`not answering: ${reason}${times}`);
    seen.count = 0;
    seen.loggedAt = now;
  }
  refusals.set(reason, seen);
}

/**
 * Sends a reply, unless that would be unsafe, and never throws: a server
 * must not stop because one client cannot be reached.
 *
 * It stays silent (and says why on stderr, once in a while) when the sender
 * is one {@linkcode refusalReason} names, or when the reply would be more
 * than {@linkcode MAX_REPLY_GROWTH} bytes bigger than the request.
 *
 * @example
 * ```ts ignore
 * import { reply } from "./udp.ts";
 *
 * for await (const [data, addr] of receiveEach(conn)) {
 *   await reply(conn, answerTo(data), addr, data);
 * }
 * ```
 *
 * @param conn The server's socket.
 * @param bytes The reply.
 * @param addr Where to send it: the request's sender.
 * @param request The request it answers, to bound the reply's size.
 * @returns Whether the reply was sent.
 */
export async function reply(
  conn: Deno.DatagramConn,
  bytes: Uint8Array,
  addr: Deno.NetAddr,
  request: Uint8Array,
): Promise<boolean> {
  const ownPort = (conn.addr as Deno.NetAddr).port;
  const refused = refusalReason(addr, ownPort) ??
    (bytes.length > request.length + MAX_REPLY_GROWTH
      ? `a reply of ${bytes.length} bytes to ${request.length} would amplify`
      : undefined);
  if (refused) {
    noteRefusal(refused);
    return false;
  }
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

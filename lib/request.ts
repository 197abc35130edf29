/**
 * The client side: a UDP socket aimed at one server, receives with a
 * deadline, and requests retried with exponential backoff.
 *
 * Deno has no `settimeout` for sockets. A wait with a deadline races
 * `receive()` against a timer, and the loser is not cancelled: the
 * `receive()` left pending still waits, and will take a datagram meant for
 * a later wait (measured with Deno 2.9: when two are pending, the newer one
 * gets the next datagram and the older one the one after). So a client
 * keeps exactly one pending `receive()` and reuses it on its next wait.
 *
 * @module
 */
import { CliError } from "./flags.ts";
import { formatAddress, listen } from "./udp.ts";

/** A datagram and the address it came from. */
export interface Datagram {
  /** The payload. */
  data: Uint8Array;
  /** The sender. */
  addr: Deno.NetAddr;
}

/** Options for {@linkcode UdpClient.receive}. */
export interface ReceiveOptions {
  /** Accept only datagrams from the target's address and port (default true). */
  onlyFromTarget?: boolean;
  /** Called with each datagram that was ignored because of its source. */
  onIgnored?: (datagram: Datagram) => void;
}

/** A UDP socket aimed at one server. Close it, or declare it with `using`. */
export interface UdpClient extends Disposable {
  /** The server's address, resolved to an IP address. */
  readonly target: Deno.NetAddr;
  /** Sends one datagram to the target. */
  send(bytes: Uint8Array): Promise<void>;
  /**
   * Waits up to `timeoutMs` for a datagram, by default only from the target.
   * Resolves to `undefined` on timeout; the pending receive is kept for the
   * next call.
   */
  receive(
    timeoutMs: number,
    options?: ReceiveOptions,
  ): Promise<Datagram | undefined>;
  /** Closes the socket; a pending receive ends with it. */
  close(): void;
}

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Resolves a host name to one IP address, the way the system does (so
 * `/etc/hosts` counts: `localhost` may be `127.0.0.1` or `::1`). IP addresses
 * are returned as they are, IPv6 ones in their short form.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { resolveTarget } from "./request.ts";
 *
 * const target = await resolveTarget("0:0:0:0:0:0:0:1", 8888);
 * assertEquals(target.hostname, "::1");
 * ```
 *
 * @param host A name or an IP address.
 * @param port The server's port.
 * @returns The address to send to.
 * @throws {CliError} If the name does not resolve.
 */
export async function resolveTarget(
  host: string,
  port: number,
): Promise<Deno.NetAddr> {
  const v4 = host.replace(/^\[?::ffff:(\d+\.\d+\.\d+\.\d+)\]?$/i, "$1"); // IPv4-mapped: an IPv4 target
  if (IPV4.test(v4)) return { transport: "udp", hostname: v4, port };
  if (host.includes(":")) {
    try {
      const hostname = new URL(`http://[${host.replace(/^\[|\]$/g, "")}]`)
        .hostname.slice(1, -1);
      return { transport: "udp", hostname, port };
    } catch {
      throw new CliError(`${JSON.stringify(host)} is not a valid IPv6 address`);
    }
  }
  const { lookup } = await import("node:dns/promises");
  try {
    const { address } = await lookup(host);
    return { transport: "udp", hostname: address, port };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof Deno.errors.NotCapable || code === "EPERM") {
      throw new CliError(
        `no permission to look up ${
          JSON.stringify(host)
        }; run with -N (--allow-net)`,
      );
    }
    throw new CliError(
      `cannot resolve ${
        JSON.stringify(host)
      }; check the name or use an IP address`,
    );
  }
}

/**
 * The address a client socket binds to reach `hostname`: loopback for a
 * loopback target (nothing outside this machine can then reach the client),
 * otherwise every address of the target's family.
 */
function localAddressFor(hostname: string): string {
  const ipv6 = hostname.includes(":");
  if (hostname === "::1") return "::1";
  if (hostname.startsWith("127.")) return "127.0.0.1";
  return ipv6 ? "::" : "0.0.0.0";
}

/**
 * Opens a UDP socket of the same family as the target (IPv4 or IPv6), on a
 * port the system picks, bound to loopback when the target is on loopback.
 *
 * @example
 * ```ts ignore
 * import { openClient } from "./request.ts";
 *
 * using client = await openClient("127.0.0.1", 8888);
 * await client.send(new TextEncoder().encode("hello"));
 * const reply = await client.receive(5000);
 * ```
 *
 * @param host The server's name or address.
 * @param port The server's port.
 * @returns The client; close it when done.
 */
export async function openClient(
  host: string,
  port: number,
): Promise<UdpClient> {
  const target = await resolveTarget(host, port);
  const conn = listen(localAddressFor(target.hostname), 0);
  let pending: Promise<[Uint8Array, Deno.Addr]> | undefined;

  function fromTarget(addr: Deno.NetAddr): boolean {
    return addr.hostname === target.hostname && addr.port === target.port;
  }

  // #region receive
  async function receive(
    timeoutMs: number,
    options: ReceiveOptions = {},
  ): Promise<Datagram | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      if (pending === undefined) {
        pending = conn.receive();
        pending.catch(() => {}); // a close while waiting is not an error here
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), remaining);
      });
      const received = await Promise.race([pending, timeout]);
      clearTimeout(timer);
      if (received === undefined) return undefined;
      pending = undefined;
      const [data, addr] = received;
      if (addr.transport !== "udp") continue;
      if (options.onlyFromTarget === false || fromTarget(addr)) {
        return { data, addr };
      }
      options.onIgnored?.({ data, addr });
    }
  }
  // #endregion receive

  function close(): void {
    try {
      conn.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }

  return {
    target,
    send: async (bytes) => {
      await conn.send(bytes, target);
    },
    receive,
    close,
    [Symbol.dispose]: close,
  };
}

/** Options for {@linkcode requestWithBackoff}. */
export interface BackoffOptions {
  /** The first wait, in milliseconds (the original: 100). */
  initialDelayMs: number;
  /** Give up once the doubled wait would pass this (the original: 2000). */
  maxDelayMs: number;
  /** Wait a random time up to each delay ("full jitter"). */
  jitter?: boolean;
  /** Source of randomness for jitter, `Math.random` by default. */
  random?: () => number;
  /** Called before each send with the attempt number and its wait. */
  onAttempt?: (attempt: number, waitMs: number) => void;
  /** Called with each datagram ignored because it was not from the target. */
  onIgnored?: (datagram: Datagram) => void;
}

/**
 * Sends a request and waits for the reply, sending again after each silence
 * with the wait doubled: 0.1 s, 0.2 s, 0.4 s … until the wait would pass the
 * maximum. Only a reply from the target's address and port counts. One
 * pending `receive()` is kept across all attempts, so a reply that arrives
 * late, after a retry was sent, is still the one returned.
 *
 * @example
 * ```ts ignore
 * import { openClient, requestWithBackoff } from "./request.ts";
 *
 * using client = await openClient("127.0.0.1", 6666);
 * const reply = await requestWithBackoff(client, payload, {
 *   initialDelayMs: 100,
 *   maxDelayMs: 2000,
 * });
 * ```
 *
 * @param client The socket, aimed at the server.
 * @param payload The request.
 * @param options The waits, and hooks to report progress.
 * @returns The reply, or `undefined` if the server never answered.
 */
// #region backoff
export async function requestWithBackoff(
  client: UdpClient,
  payload: Uint8Array,
  options: BackoffOptions,
): Promise<Datagram | undefined> {
  const random = options.random ?? Math.random;
  let delay = options.initialDelayMs;
  for (let attempt = 1; delay <= options.maxDelayMs; attempt++) {
    const wait = options.jitter ? random() * delay : delay;
    options.onAttempt?.(attempt, wait);
    await client.send(payload);
    const reply = await client.receive(wait, { onIgnored: options.onIgnored });
    if (reply) return reply;
    delay *= 2;
  }
  return undefined;
}
// #endregion backoff

/**
 * The error a client gives when no reply came in time.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { noReply } from "./request.ts";
 *
 * const error = noReply({ transport: "udp", hostname: "127.0.0.1", port: 8888 }, 5, "echo_server");
 * assertEquals(error.exitCode, 1);
 * ```
 *
 * @param target The server that did not answer.
 * @param seconds How long the client waited.
 * @param server The script that would answer there.
 * @returns A {@linkcode CliError} with a message that says what to check.
 */
export function noReply(
  target: Deno.NetAddr,
  seconds: number,
  server: string,
): CliError {
  return new CliError(
    `no reply from ${
      formatAddress(target)
    } within ${seconds} s; is ${server} running there? (--timeout to wait longer)`,
  );
}

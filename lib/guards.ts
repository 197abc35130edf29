/**
 * Guards every server runs before it answers: no reflection loops, no
 * amplification, no answers to addresses that no real client sends from.
 *
 * UDP's source address can be forged. A request "from" another server makes
 * two servers answer each other for ever, and a request "from" a broadcast
 * address makes the reply go to a whole network. So a server stays silent
 * when the sender is not a plausible client, or when the request looks like
 * a reply of one of these servers, and says so on stderr, at most once every
 * 10 seconds in all, with a count.
 *
 * @module
 */
import { formatAddress } from "./net.ts";
import { warn } from "./log.ts";

/**
 * Source ports a server never answers: 0 (not a real sender) and the classic
 * UDP services that answer anything (echo 7, discard 9, daytime 13, chargen
 * 19, time 37).
 */
export const REFUSED_SOURCE_PORTS: readonly number[] = [0, 7, 9, 13, 19, 37];

/**
 * How many bytes bigger than its request a reply may be. Every reply here
 * fits (`Your data was 0 bytes` is 21), so a server cannot amplify a flood of
 * small forged requests.
 */
export const MAX_REPLY_GROWTH = 32;

/** The largest UDP payload over IPv4: 65,535 less the UDP and IP headers. */
export const MAX_PAYLOAD = 65_507;

/** How often, at most, refusals are reported on stderr. */
export const REFUSAL_REPORT_MS = 10_000;

/** How many senders the loop guard remembers; the oldest is forgotten first. */
export const MAX_REMEMBERED_SENDERS = 1024;

const decoder = new TextDecoder();
const REPLY_SHAPES = [
  /^OK\.\.\./, // echo_server
  /^Hello, [\s\S]*!$/, // hello_server
  /^Your data was \d+ bytes$/, // size_server
];
const SECONDS_1900_TO_1970 = 2_208_988_800;
const TWO_DAYS = 2 * 86_400;

/**
 * True if `data` looks like what one of these servers answers: `OK...`,
 * `Hello, …!`, `Your data was N bytes`, or 4 bytes that read as an RFC 868
 * time within two days of now. Answering it could start a loop.
 *
 * @example
 * ```ts
 * import { assert } from "jsr:@std/assert@^1";
 * import { looksLikeAReply } from "./guards.ts";
 *
 * assert(looksLikeAReply(new TextEncoder().encode("Your data was 5 bytes")));
 * ```
 *
 * @param data A request.
 * @returns Whether it is shaped like a reply.
 */
export function looksLikeAReply(data: Uint8Array): boolean {
  if (data.length === 4) {
    const sent = new DataView(data.buffer, data.byteOffset).getUint32(0);
    const now = (Math.floor(Date.now() / 1000) + SECONDS_1900_TO_1970) %
      2 ** 32;
    const apart = Math.abs(sent - now);
    if (Math.min(apart, 2 ** 32 - apart) <= TWO_DAYS) return true;
  }
  // Only a request that starts like a reply is decoded: O, H or Y.
  if (data.length > 300 || ![0x4f, 0x48, 0x59].includes(data[0])) return false;
  const text = decoder.decode(data);
  return REPLY_SHAPES.some((shape) => shape.test(text));
}

/**
 * The broadcast addresses of this machine's IPv4 networks, where the script
 * may learn them (`--allow-sys=networkInterfaces`); none otherwise.
 */
function interfaceBroadcasts(): Set<string> {
  const allowed = Deno.permissions.querySync({
    name: "sys",
    kind: "networkInterfaces",
  }).state === "granted";
  const found = new Set<string>();
  for (const nic of allowed ? Deno.networkInterfaces() : []) {
    const prefix = Number(nic.cidr.split("/")[1]);
    if (nic.family !== "IPv4" || prefix > 30) continue;
    const host = nic.address.split(".").reduce(
      (n, o) => n * 256 + Number(o),
      0,
    );
    const last = (host | (2 ** (32 - prefix) - 1)) >>> 0;
    found.add([24, 16, 8, 0].map((shift) => (last >>> shift) & 255).join("."));
  }
  return found;
}
let localBroadcasts: Set<string> | undefined;

/**
 * True for an address no real client sends from: unspecified, multicast, or
 * broadcast. Every IPv4 address ending in .255 counts as a broadcast: it is
 * the broadcast address of any network of /24 or wider, 127.255.255.255 and
 * 255.255.255.255 included; narrower networks' ones count where the script
 * can list the interfaces.
 */
function isBroadcastOrMulticast(hostname: string): boolean {
  if (hostname === lastHost) return lastVerdict; // a client sends many
  lastHost = hostname;
  lastVerdict = checkBroadcastOrMulticast(hostname);
  return lastVerdict;
}
let lastHost = "";
let lastVerdict = false;

function checkBroadcastOrMulticast(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^::ffff:(?=\d)/, "");
  if (host === "0.0.0.0" || host === "::" || host.startsWith("ff")) return true;
  const octets = host.split(".").map(Number);
  if (octets.length !== 4) return false;
  localBroadcasts ??= interfaceBroadcasts();
  return octets[3] === 255 || (octets[0] >= 224 && octets[0] <= 239) ||
    localBroadcasts.has(host);
}

// Senders whose last request came straight back as its own reply (plain
// echo), to stop two reflectors bouncing one datagram for ever.
const reflected = new Map<
  string,
  { length: number; head: Uint8Array; at: number; repeats: number }
>();
const HEAD_BYTES = 64;
const REPEAT_WINDOW_MS = 1_000;

/**
 * Why a server must not answer, or `undefined` if it may.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { refusalReason } from "./guards.ts";
 *
 * const server = { transport: "udp", hostname: "127.0.0.1", port: 8888 } as const;
 * const from = { transport: "udp", hostname: "127.0.0.1", port: 19 } as const;
 * const hi = new TextEncoder().encode("hi");
 * assertEquals(refusalReason(server, from, hi, hi), "source port 19 is a classic UDP service");
 * ```
 *
 * @param server The server's own address (`conn.addr`).
 * @param from The request's sender.
 * @param request The request.
 * @param reply The reply the server would send.
 * @returns The reason to stay silent, if any.
 */
// #region refusal
export function refusalReason(
  server: Deno.Addr,
  from: Deno.Addr,
  request: Uint8Array,
  reply: Uint8Array,
): string | undefined {
  if (from.transport !== "udp") return "not a UDP sender";
  if (REFUSED_SOURCE_PORTS.includes(from.port)) {
    return from.port === 0
      ? "source port 0 is not a real sender"
      : `source port ${from.port} is a classic UDP service`;
  }
  if (server.transport === "udp" && from.port === server.port) {
    return `source port ${from.port} is this server's own port`;
  }
  if (isBroadcastOrMulticast(from.hostname)) {
    const what = "a broadcast, multicast or unspecified address";
    return `source ${from.hostname} is ${what}`;
  }
  if (reply.length > MAX_PAYLOAD) {
    return `a reply of ${reply.length} bytes would not fit in one datagram`;
  }
  if (reply.length > request.length + MAX_REPLY_GROWTH) {
    const sizes = `${reply.length} bytes to ${request.length}`;
    return `a reply of ${sizes} would amplify`;
  }
  if (looksLikeAReply(request)) {
    return `the request from ${
      formatAddress(from)
    } looks like a server's reply`;
  }
  if (
    request.length === reply.length && request.every((b, i) => b === reply[i])
  ) {
    return reflectionLoop(formatAddress(from), reply);
  }
  return undefined;
}
// #endregion refusal

function reflectionLoop(sender: string, reply: Uint8Array): string | undefined {
  const now = Date.now();
  const seen = reflected.get(sender);
  reflected.delete(sender); // re-inserted last: the map stays oldest-first
  const head = reply.subarray(0, HEAD_BYTES);
  const same = seen !== undefined && now - seen.at < REPEAT_WINDOW_MS &&
    seen.length === reply.length && seen.head.every((b, i) => b === head[i]);
  const repeats = same ? seen.repeats + 1 : 0;
  if (reflected.size >= MAX_REMEMBERED_SENDERS) {
    reflected.delete(reflected.keys().next().value as string);
  }
  reflected.set(sender, {
    length: reply.length,
    head: head.slice(),
    at: now,
    repeats,
  });
  return repeats >= 2
    ? `${sender} keeps sending back what it was sent (a reflection loop)`
    : undefined;
}

let refusedSinceReport = 0;
let lastReason = "";
let reportTimer: ReturnType<typeof setTimeout> | undefined;

function reportRefusals(): void {
  reportTimer = undefined;
  if (refusedSinceReport === 0) return;
  const count = refusedSinceReport === 1
    ? ""
    : ` (${refusedSinceReport.toLocaleString("en-US")} requests refused)`;
  warn(`not answering: ${lastReason}${count}`);
  refusedSinceReport = 0;
  const timer = setTimeout(reportRefusals, REFUSAL_REPORT_MS);
  Deno.unrefTimer(timer);
  reportTimer = timer;
}

/**
 * True if the server may send `reply` to `from`. Otherwise it says why on
 * stderr (the first refusal at once, then at most one line every 10 seconds
 * in all, with a count) and returns false.
 *
 * @example
 * ```ts ignore
 * import { safeToAnswer } from "./guards.ts";
 *
 * if (safeToAnswer(conn.addr, from, data, reply)) await conn.send(reply, from);
 * ```
 *
 * @param server The server's own address (`conn.addr`).
 * @param from The request's sender.
 * @param request The request.
 * @param reply The reply the server would send.
 * @returns Whether to send it.
 */
export function safeToAnswer(
  server: Deno.Addr,
  from: Deno.Addr,
  request: Uint8Array,
  reply: Uint8Array,
): boolean {
  const reason = refusalReason(server, from, request, reply);
  if (reason === undefined) return true;
  refusedSinceReport++;
  lastReason = reason;
  if (reportTimer === undefined) reportRefusals();
  return false;
}

/**
 * Guards every server runs before it answers: no loops, with our servers or
 * with any other service, no amplification, no answers to addresses that no
 * real client sends from.
 *
 * UDP's source address can be forged. A request "from" another service makes
 * the server and that service answer each other for ever, and a request
 * "from" a broadcast address makes the reply go to a whole network. So a
 * server stays silent when the sender is not a plausible client (a port below
 * 1024, as OpenBSD's inetd does; a broadcast address), when the request looks
 * like a reply of one of these servers, when it is the server's own last reply
 * to that sender coming back, or when that sender has used up its budget of
 * answers (as DNS servers' response rate limiting does). It says so on
 * stderr, at most once every 10 seconds in all, with a count.
 *
 * @module
 */
import { parseNumber } from "./cli.ts";
import { formatAddress } from "./net.ts";
import { warn } from "./log.ts";

/**
 * Source ports below this are never answered: they belong to system services
 * (echo 7, DNS 53, NTP 123, SNMP 161, ...), not to clients, and 0 is no real
 * sender. OpenBSD's inetd (`dg_badinput()`) refuses them for its own UDP
 * services, for the same reason: a reply there could start a loop with the
 * service.
 */
export const FIRST_ANSWERED_PORT = 1024;

/** NFS's port, which OpenBSD's inetd never answers either. */
export const NFS_PORT = 2049;

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

/**
 * How many senders (address and port) the guards remember, for their budget
 * and their last reply; the least recently seen are forgotten first.
 */
export const MAX_REMEMBERED_SENDERS = 8_192;

/**
 * How many answers one sender (address and port) may get at once, before its
 * budget's refill, {@linkcode DEFAULT_BUDGET} a second, holds it back. A loop
 * with another service runs as fast as the two can answer, far faster than
 * the refill, so it ends after about this many answers.
 */
export const BURST = 100;

/**
 * Answers a second one sender may get after its {@linkcode BURST}, unless
 * the server's `--budget` says otherwise: far more than a person or a client
 * of these protocols asks for, and less than a loop between two programs on
 * one machine runs, even while they start (the reliability page measures
 * such loops). One client sending as fast as it can from one port asks for
 * more: it is answered at this rate.
 */
export const DEFAULT_BUDGET = 500;

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
  const first = data[0];
  if (
    data.length > 300 || (first !== 0x4f && first !== 0x48 && first !== 0x59)
  ) {
    return false;
  }
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

/** A server's `--budget N` flag: its default value and its `--help` line. */
export const BUDGET_FLAG: { readonly default: string; readonly help: string } =
  {
    default: String(DEFAULT_BUDGET),
    help:
      `answers a second to each sender (address and port) after its first ${BURST}`,
  };

/** What the guards remember of one sender (address and port). */
interface Sender {
  /** Its address, to tell it from another sender on the same port. */
  hostname: string;
  /** Answers it may still get: up to {@linkcode BURST}, refilled over time. */
  tokens: number;
  /** When `tokens` was last worked out (`Date.now()`). */
  at: number;
  /** The length of our last reply to it; -1 before the first. */
  lastLength: number;
  /** A hash of our last reply to it: see {@linkcode hashOf}. */
  lastHash: number;
}

// Senders in two generations, by address and then by port: one seen again
// is put in the newer (a copy left in the older is never looked at), and
// when the newer is full the older is forgotten whole. So at most
// MAX_REMEMBERED_SENDERS are kept, and the least recently seen go first.
// Ports are numbers: no key is built per datagram.
type Generation = Map<string, Map<number, Sender>>;
let newer: Generation = new Map();
let newerCount = 0;
let older: Generation = new Map();
// The last sender and its address's ports, at hand: a client sends many
// datagrams in a row, and many clients share one address.
let last: Sender | undefined;
let lastPort = -1;
let lastPorts: Map<number, Sender> | undefined;
let budget = DEFAULT_BUDGET;
let pastBudget = budgetText(DEFAULT_BUDGET);

/** The end of the refusal for a sender past its budget. */
function budgetText(perSecond: number): string {
  return ` is past its budget of ${BURST} answers at once and ` +
    `${perSecond.toLocaleString("en-US")} a second ` +
    "(a loop, or a flood from one port)";
}

/**
 * Sets how many answers a second one sender may get after its
 * {@linkcode BURST}, from a server's `--budget` as typed: a whole number from
 * 1 to 1,000,000, or the program ends with one line and exit code 2
 * (`parseNumber()` of `lib/cli.ts`).
 *
 * @example
 * ```ts ignore
 * import { setBudget } from "./guards.ts";
 *
 * setBudget(flags.budget);
 * ```
 *
 * @param text Answers a second, {@linkcode DEFAULT_BUDGET} by default.
 */
export function setBudget(text: string): void {
  budget = parseNumber(text, "budget", { min: 1, max: 1_000_000, whole: true });
  pastBudget = budgetText(budget);
}

function senderOf(from: Deno.NetAddr): Sender {
  const { hostname, port } = from;
  if (port === lastPort && hostname === last?.hostname) return last;
  let ports = hostname === last?.hostname ? lastPorts : newer.get(hostname);
  let sender = ports?.get(port);
  if (sender === undefined) {
    sender = older.get(hostname)?.get(port) ?? {
      hostname,
      tokens: BURST,
      at: Date.now(),
      lastLength: -1,
      lastHash: 0,
    };
    if (newerCount >= MAX_REMEMBERED_SENDERS / 2) {
      older = newer;
      newer = new Map();
      newerCount = 0;
      ports = undefined;
    }
    if (ports === undefined) {
      ports = new Map();
      newer.set(hostname, ports);
    }
    ports.set(port, sender);
    newerCount++;
  }
  last = sender;
  lastPort = port;
  lastPorts = ports;
  return sender;
}

/** How many bytes at each end of a reply {@linkcode hashOf} reads. */
const HASHED_ENDS = 128;

/**
 * FNV-1a, 32 bits, of the first and last 128 bytes (all of a shorter reply):
 * enough to tell our last reply from another request of the same length,
 * and cheap whatever the size.
 */
function hashOf(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  const head = Math.min(bytes.length, HASHED_ENDS);
  for (let i = 0; i < head; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  for (
    let i = Math.max(head, bytes.length - HASHED_ENDS);
    i < bytes.length;
    i++
  ) {
    hash = Math.imul(hash ^ bytes[i], 0x01000193);
  }
  return hash >>> 0;
}

/** Takes one answer from the sender's budget; false if none is left. */
function spend(sender: Sender): boolean {
  const now = Date.now();
  // A clock set back refills nothing; one set forward refills the burst.
  const refill = Math.max(0, now - sender.at) * budget / 1000;
  sender.tokens = Math.min(BURST, sender.tokens + refill);
  sender.at = now;
  if (sender.tokens < 1) return false;
  sender.tokens--;
  return true;
}

/**
 * Why a server must not answer, or `undefined` if it may. When it may, the
 * reply counts as sent: it is taken from the sender's budget and remembered
 * as the last reply to it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { refusalReason } from "./guards.ts";
 *
 * const server = { transport: "udp", hostname: "127.0.0.1", port: 8888 } as const;
 * const from = { transport: "udp", hostname: "127.0.0.1", port: 53 } as const;
 * const hi = new TextEncoder().encode("hi");
 * assertEquals(
 *   refusalReason(server, from, hi, hi),
 *   "127.0.0.1:53 sends from a service's port (below 1024)",
 * );
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
  // Who may be answered: a client's port and address.
  if (from.port < FIRST_ANSWERED_PORT || from.port === NFS_PORT) {
    const which = from.port === NFS_PORT ? "NFS's" : "below 1024";
    return `${formatAddress(from)} sends from a service's port (${which})`;
  }
  if (server.transport === "udp" && from.port === server.port) {
    return `source port ${from.port} is this server's own port`;
  }
  if (isBroadcastOrMulticast(from.hostname)) {
    const what = "a broadcast, multicast or unspecified address";
    return `source ${from.hostname} is ${what}`;
  }
  // What may be answered: no reply too big, and none to a server's reply.
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
  // How often: never our own last reply sent back, and within the budget.
  const sender = senderOf(from);
  if (
    request.length === sender.lastLength && hashOf(request) === sender.lastHash
  ) {
    return `${formatAddress(from)} sent back our last reply to it (an echo)`;
  }
  if (!spend(sender)) return formatAddress(from) + pastBudget;
  sender.lastLength = reply.length;
  sender.lastHash = hashOf(reply);
  return undefined;
}
// #endregion refusal

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

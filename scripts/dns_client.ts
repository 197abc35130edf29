#!/usr/bin/env -S deno run -N --unstable-net
/**
 * DNS client: asks a DNS server one question over UDP, with a query packed
 * byte by byte, and prints the answer like a short `dig`.
 *
 * Goes beyond the originals: a Jupyter notebook on UDP servers and a 2015
 * blog post on Python UDP sockets both name DNS as the protocol UDP is made
 * for, and neither builds one. This one sends a random 16-bit ID with the
 * question, retries with doubling waits as the improved client does, and
 * takes only the reply whose ID, question, address and port all match. A
 * reply that cannot be read (a pointer loop, counts that lie) is one line
 * and exit code 1; a truncated one says it needs TCP.
 *
 * Run:   deno run -N scripts/dns_client.ts example.test --server 127.0.0.1 --port 5300
 *        deno run -N --allow-read=/etc/resolv.conf scripts/dns_client.ts example.com
 * Talks to: any DNS server, such as dnsmasq on this machine (see its page).
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
import {
  CLASS_IN,
  type DnsMessage,
  type DnsRecord,
  parseMessage,
  rcodeName,
  readName,
  RECORD_TYPES,
  typeName,
} from "../lib/dns.ts";
import {
  clientAddressFor,
  formatAddress,
  isFrom,
  resolveServer,
} from "../lib/net.ts";

// #region flags
const RESOLV_CONF = "/etc/resolv.conf";
const ASKED_TYPES = ["A", "AAAA", "MX", "TXT", "NS", "CNAME"] as const;
const flags = parseCommand({
  name: "dns_client",
  summary: "Asks a DNS server one question over UDP and prints the answer " +
    "like a short dig.",
  positionals: "NAME",
  string: ["type", "server", "port", "timeout"],
  default: { type: "A", server: "", port: "53", timeout: "5" },
  help: {
    "--type TYPE": `the record type: ${ASKED_TYPES.join(", ")}`,
    "--server ADDR": `the DNS server (default: the first nameserver of ` +
      `${RESOLV_CONF}, read with --allow-read=${RESOLV_CONF})`,
    "--port N": "the server's UDP port",
    "--timeout SECONDS": "give up when no answer came in this time",
  },
  notes: [
    "Try it with dnsmasq answering on this machine, in a second terminal:",
    "  dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts " +
    "--listen-address=127.0.0.1 --bind-interfaces --port=5300 " +
    "--host-record=example.test,192.0.2.1",
    "  deno run -N scripts/dns_client.ts example.test --server 127.0.0.1 " +
    "--port 5300",
  ],
});
if (flags._.length !== 1) {
  usage("give one name to look up, such as example.com");
}
const name = flags._[0];
const typeText = flags.type.toUpperCase();
if (!(ASKED_TYPES as readonly string[]).includes(typeText)) {
  usage(
    `--type must be one of ${ASKED_TYPES.join(", ")}, not ${
      JSON.stringify(flags.type)
    }`,
  );
}
const type = RECORD_TYPES[typeText as typeof ASKED_TYPES[number]];
const port = parsePort(flags.port, "port", 1);
const timeoutMs =
  parseNumber(flags.timeout, "timeout", { above: 0, max: 86_400 }) * 1000;
// #endregion flags

// #region name
// A name travels as labels: each part's length in one byte, then its bytes,
// and a zero byte for the root. "example.com" is 7 example 3 com 0. A label
// holds at most 63 bytes, the whole name at most 255 (RFC 1035, 2.3.4).
function encodeName(text: string): Uint8Array {
  if (!/^[\x21-\x7e]+$/.test(text)) {
    usage(
      `${JSON.stringify(text)} is not a plain ASCII name; give an ` +
        "international name in its xn-- form, such as xn--mnchen-3ya.de",
    );
  }
  const bytes: number[] = [];
  const labels = text === "." ? [] : text.replace(/\.$/, "").split(".");
  for (const label of labels) {
    if (label.length === 0 || label.length > 63) {
      usage(
        `${JSON.stringify(text)} has a label of ${label.length} bytes; ` +
          "each part between dots must have 1 to 63",
      );
    }
    bytes.push(label.length, ...new TextEncoder().encode(label));
  }
  bytes.push(0);
  if (bytes.length > 255) {
    usage(`${JSON.stringify(text)} is longer than a name may be (255 bytes)`);
  }
  return new Uint8Array(bytes);
}
// #endregion name

// #region query
// The question: the name, then its type and class (IN, the Internet) as two
// 16-bit numbers. DataView writes them in network byte order (big-endian).
const encodedName = encodeName(name);
const question = new Uint8Array(encodedName.length + 4);
question.set(encodedName);
new DataView(question.buffer).setUint16(encodedName.length, type);
new DataView(question.buffer).setUint16(encodedName.length + 2, CLASS_IN);
// The header: six 16-bit numbers. A random ID, which the reply must echo;
// the flags, of which only RD (0x0100, "recursion desired": find the answer
// for me) is set; then one question, and no records of our own.
const id = crypto.getRandomValues(new Uint16Array(1))[0];
const query = new Uint8Array(12 + question.length);
const header = new DataView(query.buffer);
header.setUint16(0, id);
header.setUint16(2, 0x0100);
header.setUint16(4, 1);
query.set(question, 12);
// #endregion query

// #region server
// Without --server, ask the system's resolver, as dig does: the first
// "nameserver" line of /etc/resolv.conf. Reading it needs its own permission,
// asked for first, so that Deno never stops to prompt.
async function systemNameserver(): Promise<string> {
  const read = { name: "read", path: RESOLV_CONF } as const;
  if ((await Deno.permissions.query(read)).state !== "granted") {
    fail(
      `no --server given, and no permission to read ${RESOLV_CONF}; run with ` +
        `--allow-read=${RESOLV_CONF}, or name a server with --server ADDR`,
    );
  }
  const text = await Deno.readTextFile(RESOLV_CONF).catch(() => "");
  const found = /^[ \t]*nameserver[ \t]+(\S+)/m.exec(text);
  if (!found) {
    fail(`no nameserver in ${RESOLV_CONF}; name a server with --server ADDR`);
  }
  return found[1];
}
const server = await resolveServer(
  flags.server === "" ? await systemNameserver() : flags.server,
  port,
).catch((error) => fail(error.message));
const target = formatAddress(server);
const asked = `${readName(question, 0).name} IN ${typeName(type)}`;
console.log(`;; asking ${target} for ${asked} (id ${id})`);
// #endregion server

// #region socket
// Port 0: the system picks the source port, a different one for each run,
// which a forger has to guess as well as the ID. The socket is of the
// server's family, and on loopback when the server is.
const conn = Deno.listenDatagram({
  transport: "udp",
  hostname: clientAddressFor(server),
  port: 0,
});
// #endregion socket

// #region wait
// Deno has no socket timeout: race receive() against a timer. The receive()
// that loses is not cancelled and still takes the next datagram, so keep it
// and reuse it on the next wait, even across attempts: a late answer to the
// first query is still taken after the second went out.
let pending: Promise<[Uint8Array, Deno.Addr]> | undefined;
async function receiveBefore(deadline: number) {
  pending ??= conn.receive();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(
      () => resolve(undefined),
      Math.max(0, deadline - Date.now()), // a deadline passed waits for 0 ms
    );
  });
  const received = await Promise.race([pending, timeout]);
  clearTimeout(timer);
  if (received) pending = undefined; // used: the next wait starts a new one
  return received;
}
// #endregion wait

// #region match
// Anyone can send a datagram to our port. A reply is ours only when it comes
// from the address and port we asked and echoes both our ID and our question
// (servers copy the question as it came). A forger who cannot see the query
// must guess the ID, one of 65,536, and the port.
function whyIgnored(data: Uint8Array, from: Deno.Addr): string | undefined {
  if (!isFrom(from, server)) return `not from ${target}`;
  if (data.length < 12 || (data[2] & 0x80) === 0) return "not a DNS reply";
  const reply = new DataView(data.buffer, data.byteOffset, 12);
  if (reply.getUint16(0) !== id) return "with another ID";
  const echoed = data.subarray(12, 12 + question.length);
  const sameQuestion = reply.getUint16(4) === 1 &&
    echoed.length === question.length &&
    echoed.every((byte, i) => byte === question[i]);
  if (!sameQuestion) return "with another question";
}

// What was ignored is counted, and told in one line at most once a second:
// a flood of forgeries must not become a flood of output.
const ignored = new Map<string, number>();
let ignoredCount = 0;
let toldCount = 0;
let toldAt = -Infinity;
function tellIgnored() {
  if (ignoredCount === toldCount) return;
  const reasons = [...ignored].map(([why, count]) => `${count} ${why}`);
  console.error(
    `;; ignored ${ignoredCount} datagram${ignoredCount === 1 ? "" : "s"}: ` +
      reasons.join(", "),
  );
  toldCount = ignoredCount;
  toldAt = performance.now();
}
function ignore(why: string) {
  ignored.set(why, (ignored.get(why) ?? 0) + 1);
  ignoredCount++;
  if (performance.now() - toldAt >= 1000) tellIgnored();
}
// #endregion match

// #region retry
// Send, wait, and on silence send the same query again with the wait doubled
// (0.5, 1, 2 s …), until --timeout has passed. The same ID every time: an
// answer to any of them answers the question.
const started = performance.now();
const deadline = Date.now() + timeoutMs;
let waitMs = 500;
let queries = 0;
let reply: Uint8Array | undefined;
while (!reply && Date.now() < deadline) {
  queries++;
  await conn.send(query, server);
  const until = Math.min(Date.now() + waitMs, deadline);
  while (!reply) {
    const received = await receiveBefore(until);
    if (!received) break; // silence: ask again, waiting longer
    const [data, from] = received;
    const why = whyIgnored(data, from);
    if (why === undefined) reply = data;
    else ignore(why);
  }
  if (!reply && until < deadline) {
    console.error(
      `;; no answer within ${(waitMs / 1000).toFixed(1)} s; asking again`,
    );
  }
  waitMs *= 2;
}
tellIgnored();
if (!reply) {
  fail(
    `no answer from ${target} after ${queries} ${
      queries === 1 ? "query" : "queries"
    } in ${timeoutMs / 1000} s`,
  );
}
const tookMs = performance.now() - started;
conn.close();
// #endregion retry

// #region print
// The reply came from the network: every count, pointer and length in it is
// checked before it is trusted, and names and text are escaped to print.
let message: DnsMessage;
try {
  message = parseMessage(reply);
} catch (error) {
  fail(`the reply from ${target} cannot be read: ${(error as Error).message}`);
}
const classText = (n: number) => n === CLASS_IN ? "IN" : `CLASS${n}`;
const line = (record: DnsRecord) =>
  `${record.name} ${record.ttl} ${classText(record.class)} ` +
  `${typeName(record.type)} ${record.data}`;
message.answers.forEach((record) => console.log(line(record)));
for (
  const [section, records] of [
    ["authority", message.authority],
    ["additional", message.additional],
  ] as const
) {
  if (records.length > 0) console.log(`;; ${section}:`);
  records.forEach((record) => console.log(line(record)));
}
const { header: got } = message;
const bits = [
  ["qr", got.isResponse],
  ["aa", got.authoritative],
  ["tc", got.truncated],
  ["rd", got.recursionDesired],
  ["ra", got.recursionAvailable],
].filter(([, on]) => on).map(([bit]) => bit);
const answers = message.answers.length;
console.log(
  `;; status: ${rcodeName(got.rcode)}; flags: ${bits.join(" ")}; ` +
    `${answers} answer${answers === 1 ? "" : "s"}`,
);
console.log(
  `;; answered in ${Math.round(tookMs)} ms, after ${queries} ${
    queries === 1 ? "query" : "queries"
  }`,
);
// TC: the server cut its answer to fit a datagram (512 bytes for a query
// with no EDNS). The whole answer needs the same query over TCP.
if (got.truncated) {
  fail(
    "the answer was truncated (TC): it did not fit in one UDP datagram, " +
      "and the full answer needs DNS over TCP, which this client does not do",
  );
}
// #endregion print

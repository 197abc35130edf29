#!/usr/bin/env -S deno run --allow-run --allow-net=127.0.0.1 --allow-read=. --allow-write
/**
 * Records what the DNS page shows of dns_client talking to dnsmasq, from a
 * real run on this machine: `docs/data/dns-session.txt`, the client's
 * terminal for a few questions with dnsmasq's log of them; and
 * `docs/data/dns-exchange.txt`, one query and its reply byte for byte, each
 * field annotated.
 *
 * dnsmasq is started on 127.0.0.1 on a free port with the records of the
 * page's command ({@linkcode PAGE_RECORDS}). The bytes of the exchange are
 * taken by a relay on 127.0.0.1 between the client and dnsmasq: it passes
 * each datagram on unchanged, so what it records is what went over the wire
 * both ways. Ports are shown as `PORT`. The request ID and the times change
 * from run to run; `tests/interop/dnsmasq_test.ts` records afresh and fails
 * when anything else in the committed files differs.
 *
 * Run:   deno run --allow-run --allow-net=127.0.0.1 --allow-read=. --allow-write tools/dns_exchange.ts
 *
 * @module
 */
import { rcodeName, readName, typeName } from "../lib/dns.ts";
import { ROOT, runScript, within } from "../tests/_helpers.ts";
import { findDnsmasq, startDnsmasq } from "../tests/interop/_dnsmasq.ts";
import { normalise, printed } from "./transcripts.ts";

/** The records the page's dnsmasq command gives, flag by flag. */
export const PAGE_RECORDS: readonly string[] = [
  "--host-record=example.test,192.0.2.1,2001:db8::1",
  "--mx-host=example.test,mail.example.test,10",
  "--txt-record=example.test,hello from dnsmasq",
];

/** The questions of the session: dns_client's arguments before --server. */
export const SESSION_QUESTIONS: readonly string[][] = [
  ["example.test"],
  ["example.test", "--type", "AAAA"],
  ["example.test", "--type", "MX"],
  ["example.test", "--type", "TXT"],
  ["nope.test"],
];

/** Where the files are written. */
export const DATA_DIR = `${ROOT}docs/data/`;

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(" ");

/** One annotated line: the bytes, the field's RFC 1035 name, its value. */
function row(bytes: Uint8Array, field: string, value: string): string {
  return `${hex(bytes).padEnd(24)} ${field.padEnd(9)}${value}`.trimEnd();
}

/** The flags' names, as in RFC 1035 section 4.1.1. */
function flagsText(flags: number): string {
  const bits = [
    [0x8000, "QR"],
    [0x0400, "AA"],
    [0x0200, "TC"],
    [0x0100, "RD"],
    [0x0080, "RA"],
  ] as const;
  const set = bits.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  const opcode = (flags >> 11) & 0xf;
  const codes = [`OPCODE ${opcode}`];
  if (flags & 0x8000) {
    codes.push(`RCODE ${rcodeName(flags & 0xf).split(" ")[0]}`);
  }
  return [set.join(" "), ...codes].join(", ");
}

/** The rows of a name at `at`: one per label, or the pointer. */
function nameRows(message: Uint8Array, at: number, field: string) {
  const rows: string[] = [];
  while (true) {
    const length = message[at];
    const name = rows.length === 0 ? field : "";
    if (length >= 0xc0) {
      const target = ((length & 0x3f) << 8) | message[at + 1];
      const pointed = readName(message, target).name;
      rows.push(
        row(message.subarray(at, at + 2), name, `→ ${target}: ${pointed}`),
      );
      return { rows, end: at + 2 };
    }
    const label = message.subarray(at, at + 1 + length);
    const text = new TextDecoder().decode(label.subarray(1));
    rows.push(row(label, name, length === 0 ? "0 ." : `${length} "${text}"`));
    if (length === 0) return { rows, end: at + 1 };
    at += 1 + length;
  }
}

/**
 * What changes from run to run in the recorded files, made the same: the
 * request ID (in hex and in words) and the milliseconds an answer took.
 *
 * @param text A recorded file.
 * @returns The same text with `ID` and `N ms` in their places.
 */
export function withoutChance(text: string): string {
  return text
    .replace(/^[0-9a-f]{2} [0-9a-f]{2}( +ID +)\d+$/gm, "xx xx$1ID")
    .replace(/\(id \d+\)/g, "(id ID)")
    .replace(/\d+ ms\b/g, "N ms");
}

/**
 * Annotates a DNS message byte by byte: header, questions and records, each
 * field with its name from RFC 1035 and its value.
 *
 * @param message A well-formed message (the exchange recorded here).
 * @returns The lines.
 */
export function annotate(message: Uint8Array): string[] {
  const view = new DataView(message.buffer, message.byteOffset);
  const u16 = (at: number) => view.getUint16(at);
  const part = (at: number, n: number) => message.subarray(at, at + n);
  const lines = [
    row(part(0, 2), "ID", String(u16(0))),
    row(part(2, 2), "flags", flagsText(u16(2))),
    ...["QDCOUNT", "ANCOUNT", "NSCOUNT", "ARCOUNT"].map((field, i) =>
      row(part(4 + 2 * i, 2), field, String(u16(4 + 2 * i)))
    ),
  ];
  let at = 12;
  for (let i = 0; i < u16(4); i++) {
    const name = nameRows(message, at, "QNAME");
    lines.push(...name.rows);
    at = name.end;
    lines.push(row(part(at, 2), "QTYPE", `${u16(at)} (${typeName(u16(at))})`));
    lines.push(row(part(at + 2, 2), "QCLASS", `${u16(at + 2)} (IN)`));
    at += 4;
  }
  const records = u16(6) + u16(8) + u16(10);
  for (let i = 0; i < records; i++) {
    const name = nameRows(message, at, "NAME");
    lines.push(...name.rows);
    at = name.end;
    const type = u16(at);
    const length = u16(at + 8);
    const data = part(at + 10, length);
    lines.push(
      row(part(at, 2), "TYPE", `${type} (${typeName(type)})`),
      row(part(at + 2, 2), "CLASS", `${u16(at + 2)} (IN)`),
      row(part(at + 4, 4), "TTL", String(view.getUint32(at + 4))),
      row(part(at + 8, 2), "RDLENGTH", String(length)),
      row(data, "RDATA", type === 1 ? data.join(".") : ""),
    );
    at += 10 + length;
  }
  return lines;
}

/** A command line as the page shows it, with the port as `PORT`. */
function commandLine(args: string[]): string {
  const quoted = args.map((arg) =>
    /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg}'`
  );
  return `$ deno run -N scripts/dns_client.ts ${quoted.join(" ")}`;
}

/** The two files, as text. */
export interface DnsRecording {
  /** `dns-session.txt`: the client's terminal and dnsmasq's log. */
  session: string;
  /** `dns-exchange.txt`: the query and the reply, annotated. */
  exchange: string;
}

/**
 * Starts dnsmasq with the page's records, runs the session, then one query
 * through the recording relay, and returns both texts.
 *
 * @returns The texts of the two files.
 */
export async function recordDnsPage(): Promise<DnsRecording> {
  const dnsmasq = await findDnsmasq();
  if (!dnsmasq.met) throw new Error(dnsmasq.reason);
  await using server = await startDnsmasq(dnsmasq, PAGE_RECORDS);
  const client: string[] = [];
  for (const question of SESSION_QUESTIONS) {
    const args = [...question, "--server", "127.0.0.1", "--port"];
    const result = await runScript("dns_client", [...args, server.port]);
    client.push(commandLine([...args, "PORT"]), ...printed(result));
  }
  // dnsmasq's log of those questions: what it was asked, and what it found.
  const log = server.log().split("\n")
    .filter((line) => /: (query|config)\[?/.test(line))
    .map((line) => line.replace(/^dnsmasq\[\d+\]/, "dnsmasq[PID]"));
  const session = normalise(
    [
      "# Terminal 1: dnsmasq, started with the records above; its log",
      ...log,
      "",
      "# Terminal 2: the client",
      ...client,
    ].join("\n") + "\n",
  );

  // The relay: what the client sends goes on to dnsmasq unchanged, and what
  // dnsmasq answers comes back unchanged; each is recorded on the way.
  const upstream: Deno.NetAddr = {
    transport: "udp",
    hostname: "127.0.0.1",
    port: Number(server.port),
  };
  const front = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  const back = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    const relayed = (async () => {
      const [query, client] = await front.receive();
      await back.send(query, upstream);
      const [reply] = await back.receive();
      await front.send(reply, client);
      return { query, reply };
    })();
    relayed.catch(() => {}); // awaited below; a failure before then is thrown
    const port = String((front.addr as Deno.NetAddr).port);
    const result = await runScript("dns_client", [
      "example.test",
      "--server",
      "127.0.0.1",
      "--port",
      port,
    ]);
    if (result.code !== 0) throw new Error(result.stderr);
    const { query, reply } = await within(5_000, "the exchange", relayed);
    const exchange = [
      `; the query: ${query.length} bytes, from dns_client to dnsmasq`,
      ...annotate(query),
      "",
      `; the reply: ${reply.length} bytes, from dnsmasq to dns_client`,
      ...annotate(reply),
    ].join("\n") + "\n";
    return { session, exchange };
  } finally {
    front.close();
    back.close();
  }
}

if (import.meta.main) {
  const { session, exchange } = await recordDnsPage();
  await Deno.writeTextFile(`${DATA_DIR}dns-session.txt`, session);
  await Deno.writeTextFile(`${DATA_DIR}dns-exchange.txt`, exchange);
  console.log("wrote docs/data/dns-session.txt and docs/data/dns-exchange.txt");
}

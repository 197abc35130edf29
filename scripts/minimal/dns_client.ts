/**
 * @title DNS client, the core
 * @run -N --unstable-net <url> [server] [port] [name]
 *
 * Asks a DNS server for the IPv4 addresses of a name (an A query), in a
 * datagram packed byte by byte, and prints the addresses it answers. Unlike
 * the other minimal files, the server's IPv4 address comes first and its port
 * second: dnsmasq on this machine, say, at 127.0.0.1 5300.
 */

// The server is an IPv4 address: replies are taken from it alone.
const [server = "127.0.0.1", port = "53", name = "example.com"] = Deno.args;

// The question: the name (with no final dot) as labels, each part's length
// then its bytes; a 0 for the end; type A (0, 1) and class IN (0, 1).
const labels = name.split(".").map((label) => new TextEncoder().encode(label));
const question = [...labels.flatMap((b) => [b.length, ...b]), 0, 0, 1, 0, 1];

// The header: a random ID the reply must echo, the flags with RD set (0x0100:
// "find the answer for me"), then one question and no records.
const id = crypto.getRandomValues(new Uint8Array(2));
const query = Uint8Array.of(...id, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...question);

// Port 0: the system picks the source port. With no hostname, the socket is
// on 0.0.0.0, to reach a server on this machine or any other.
const conn = Deno.listenDatagram({ transport: "udp", port: 0 });
await conn.send(query, { transport: "udp", hostname: server, port: +port });

// Every wait has a deadline: a silent server ends the program.
const timer = setTimeout(() => {
  console.error(`no answer from ${server} port ${port} within 5 s`);
  Deno.exit(1);
}, 5000);

// Anyone can send to our port: take only a reply from the server that repeats
// our ID (bytes 0 and 1) and our question (from byte 12), byte for byte.
let reply: Uint8Array | undefined;
while (!reply) {
  const [data, from] = await conn.receive() as [Uint8Array, Deno.NetAddr];
  const echoes = query.every((b, i) => (i > 1 && i < 12) || data[i] === b);
  if (from.hostname === server && from.port === +port && echoes) reply = data;
}
clearTimeout(timer);

// Each answer: a name (labels, or a 2-byte pointer to an earlier one), then
// type, class, TTL, data length and data. An A record's data is 4 bytes,
// printed as numbers: nothing from the network is printed raw.
let at = query.length;
for (let i = 0; i < (reply[6] << 8 | reply[7]) && at < reply.length; i++) {
  while (reply[at] > 0 && reply[at] < 64) at += reply[at] + 1;
  at += reply[at] >= 192 ? 2 : 1;
  const type = reply[at] << 8 | reply[at + 1];
  const size = reply[at + 8] << 8 | reply[at + 9];
  const data = reply.subarray(at + 10, at + 10 + size);
  if (type === 1 && data.length === 4) console.log(data.join("."));
  at += 10 + size;
}

// The RCODE, the low 4 bits of byte 3: 0 is NOERROR, 3 is NXDOMAIN.
console.log(`RCODE ${reply[3] & 15}`);

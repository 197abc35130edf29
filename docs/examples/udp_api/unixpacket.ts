/**
 * `transport: "unixpacket"` gives the same API over a Unix domain socket, a
 * path on disk instead of an address and a port. Despite its name it is a
 * datagram socket (`SOCK_DGRAM`, not `SOCK_SEQPACKET`). Closing it leaves
 * the file behind.
 *
 * Run:  deno run -N -R -W --unstable-net docs/examples/udp_api/unixpacket.ts
 *
 * @module
 */
const dir = await Deno.makeTempDir();
const a = Deno.listenDatagram({ transport: "unixpacket", path: `${dir}/a` });
const b = Deno.listenDatagram({ transport: "unixpacket", path: `${dir}/b` });
await b.send(new TextEncoder().encode("hello"), a.addr);
const [data, from] = await a.receive();
const sender = (from as Deno.UnixAddr).path.slice(dir.length);
console.log(`${new TextDecoder().decode(data)} from ${sender}`);
a.close();
b.close();
console.log(`left behind: ${(await Deno.stat(`${dir}/a`)).isSocket}`);
await Deno.remove(dir, { recursive: true });

// Prints:
// hello from /b
// left behind: true

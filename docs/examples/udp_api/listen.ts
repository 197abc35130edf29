/**
 * `Deno.listenDatagram()` creates a UDP socket and binds it in one call:
 * `transport`, `hostname` and `port` say where. Port 0 lets the system pick a
 * free port, and `addr` says which. The family follows the address.
 *
 * Run:  deno run -N --unstable-net docs/examples/udp_api/listen.ts
 *
 * @module
 */
const v4 = Deno.listenDatagram({
  transport: "udp",
  hostname: "127.0.0.1",
  port: 0,
});
const v6 = Deno.listenDatagram({ transport: "udp", hostname: "::1", port: 0 });
console.log(JSON.stringify(v4.addr));
console.log(JSON.stringify(v6.addr));
v4.close();
v6.close();

// Prints:
// {"hostname":"127.0.0.1","port":PORT,"transport":"udp"}
// {"hostname":"::1","port":PORT,"transport":"udp"}

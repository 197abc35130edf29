// @ts-check
/**
 * What `node:dgram` adds to Deno's own UDP API, run by Deno: a TTL for
 * unicast, the kernel's buffer sizes, the multicast interface chosen by
 * address, source-specific multicast, and `ipv6Only`, which keeps IPv4
 * datagrams away from an IPv6 socket on `::`. (`connect()` is shown in
 * docs/examples/dgram_connect.js.) One call fails under Deno where Node.js
 * accepts it: `setMulticastTTL(0)`.
 *
 * Run:  deno run -N docs/examples/udp_api/node_dgram.js
 *       node docs/examples/udp_api/node_dgram.js
 *
 * @module
 */
import dgram from "node:dgram";

const socket = dgram.createSocket("udp4");
socket.bind(0, "127.0.0.1", () => {
  /** @type {[string, () => unknown][]} */
  const calls = [
    ["setTTL(64)", () => socket.setTTL(64)],
    ["setRecvBufferSize(65536)", () => socket.setRecvBufferSize(65_536)],
    ["getRecvBufferSize()", () => socket.getRecvBufferSize()],
    ["setMulticastInterface", () => socket.setMulticastInterface("127.0.0.1")],
    [
      "addSourceSpecificMembership",
      () =>
        socket.addSourceSpecificMembership(
          "127.0.0.1",
          "232.1.1.1",
          "127.0.0.1",
        ),
    ],
    ["setMulticastTTL(1)", () => socket.setMulticastTTL(1)],
    ["setMulticastTTL(0)", () => socket.setMulticastTTL(0)],
  ];
  for (const [name, call] of calls) {
    try {
      console.log(`${name}: ${call() ?? "done"}`);
    } catch (error) {
      console.log(`${name}: ${/** @type {{ code?: string }} */ (error).code}`);
    }
  }
  socket.close();
  // ipv6Only: an IPv6 socket on :: that IPv4 datagrams do not reach.
  const v6 = dgram.createSocket({ type: "udp6", ipv6Only: true });
  v6.on("message", () => console.log("ipv6Only: an IPv4 datagram came in"));
  v6.bind(0, "::", () => {
    const v4 = dgram.createSocket("udp4");
    v4.send("hello", v6.address().port, "127.0.0.1", () => {
      setTimeout(() => {
        console.log("ipv6Only: 200 ms later, v6 and v4 close");
        v4.close();
        v6.close();
      }, 200);
    });
  });
});

// Prints:
// setTTL(64): 64
// setRecvBufferSize(65536): done
// getRecvBufferSize(): 131072
// setMulticastInterface: done
// addSourceSpecificMembership: done
// setMulticastTTL(1): 1
// setMulticastTTL(0): EINVAL
// ipv6Only: 200 ms later, v6 and v4 close

// Node.js prints:
// setTTL(64): 64
// setRecvBufferSize(65536): done
// getRecvBufferSize(): 131072
// setMulticastInterface: done
// addSourceSpecificMembership: done
// setMulticastTTL(1): 1
// setMulticastTTL(0): 0
// ipv6Only: 200 ms later, v6 and v4 close

/**
 * What every bare loop in this folder shares: a socket on 127.0.0.1 and one
 * ready line. The loops themselves stay in their own files, so that each
 * reads as the floor it measures: receive into one reused buffer, build the
 * reply, send it; no log, no checks.
 *
 * @module
 */

/**
 * Listens on 127.0.0.1, on the port given as the first argument (0, any free
 * one, by default), and prints `NAME listening on 127.0.0.1:PORT`.
 *
 * @param name What the ready line calls the server, such as `bare echo server`.
 * @returns The socket.
 */
export function listenBare(name: string): Deno.DatagramConn {
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: Number(Deno.args[0] ?? "0"),
  });
  console.log(
    `${name} listening on 127.0.0.1:${(conn.addr as Deno.NetAddr).port}`,
  );
  return conn;
}

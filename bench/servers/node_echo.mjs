/**
 * The original echo server's loop on Node's `dgram`, as a measurement target.
 *
 * Usage: node bench/servers/node_echo.mjs [PORT] [--no-log]
 *        deno run -N bench/servers/node_echo.mjs [PORT] [--no-log]
 *
 * It answers `OK...` + the payload and, unless `--no-log`, writes the same
 * `Message[ADDR:PORT] - PAYLOAD` line with `console.log`, which Node writes
 * synchronously, one write per line, when stdout is a file. Run by Deno, the
 * same file measures `node:dgram` as Deno provides it.
 *
 * @module
 */
import dgram from "node:dgram";
import process from "node:process";

const port = Number(process.argv[2] ?? "0");
const log = !process.argv.includes("--no-log");
const prefix = Buffer.from("OK...");
const socket = dgram.createSocket("udp4");

socket.on("message", (data, rinfo) => {
  socket.send(Buffer.concat([prefix, data]), rinfo.port, rinfo.address);
  if (log) {
    console.log(
      `Message[${rinfo.address}:${rinfo.port}] - ${data.toString().trimEnd()}`,
    );
  }
});
socket.on("listening", () => {
  const { address, port } = socket.address();
  console.log(`node echo server listening on ${address}:${port}`);
});
socket.bind(port, "127.0.0.1");

/**
 * A bounded flood: 100,000 datagrams from many source ports. The server
 * must not crash, must keep answering, and its memory must stay bounded.
 */
import { assert, assertEquals } from "jsr:@std/assert@^1";
import { decode, encode, startScript } from "../_helpers.ts";
import { flood, persistentExchange } from "./_measure.ts";

const MiB = 1024 * 1024;

for (const name of ["echo_server", "size_server"]) {
  Deno.test(`${name} survives a flood of 100,000 datagrams with memory bounded`, async () => {
    await using server = await startScript(name, ["--port", "0"]);
    const figures = await flood(server, 100_000, 50);
    const reply = decode(
      await persistentExchange(server.address, encode("after")),
    );
    assert(reply === "OK...after" || reply === "Your data was 5 bytes", reply);
    const { code } = await server.stop();
    assertEquals(code, 0);
    const { rssBefore, rssAfter } = figures;
    console.log(
      `${name} flood: ${figures.sent} datagrams from ${figures.sockets} ports, ` +
        `${figures.answered} answered, resident memory ${
          rssBefore === undefined ? "?" : (rssBefore / MiB).toFixed(1)
        } MiB before, ${
          rssAfter === undefined ? "?" : (rssAfter / MiB).toFixed(1)
        } MiB after`,
    );
    if (Deno.build.os === "linux") {
      assert(
        rssBefore !== undefined && rssAfter !== undefined,
        "no resident memory figures from /proc",
      );
      assert(
        rssAfter - rssBefore < 64 * MiB,
        `resident memory grew by ${
          ((rssAfter - rssBefore) / MiB).toFixed(1)
        } MiB`,
      );
    }
  });
}

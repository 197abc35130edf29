/**
 * The benchmark's load generator must count right, or every figure it gives
 * is wrong. These tests drive it against a small echo loop whose replies are
 * known; they assert counts only, never how fast anything was.
 *
 * @module
 */
import { assert, assertEquals } from "jsr:@std/assert@^1";
import {
  buildCPrograms,
  findCompiler,
  type LatencyResult,
  removeCPrograms,
  runLoad,
  type ThroughputResult,
} from "../../bench/c_tools.ts";

const compiler = await findCompiler();

Deno.test({
  name: "bench/load.c counts each right reply once and each wrong one as bad",
  ignore: compiler === undefined || Deno.build.os !== "linux",
  async fn(t) {
    const programs = await buildCPrograms();
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: "127.0.0.1",
      port: 0,
    });
    const port = String((conn.addr as Deno.NetAddr).port);
    const prefix = new TextEncoder().encode("OK...");
    const echo = (async () => {
      try {
        for await (const [data, addr] of conn) {
          const reply = new Uint8Array(prefix.length + data.length);
          reply.set(prefix);
          reply.set(data, prefix.length);
          await conn.send(reply, addr);
        }
      } catch (error) {
        if (!(error instanceof Deno.errors.BadResource)) throw error;
      }
    })();
    try {
      await t.step(
        "throughput mode stops at --count replies, all good",
        async () => {
          const result = await runLoad<ThroughputResult>(programs.load, [
            "throughput",
            "127.0.0.1",
            port,
            "--count",
            "500",
            "--window",
            "16",
            "--warmup",
            "0",
            "--seconds",
            "10",
          ]);
          assertEquals(
            [result.replies, result.sent, result.bad, result.late, result.lost],
            [500, 500, 0, 0, 0],
          );
        },
      );

      await t.step("latency mode times every datagram it sent", async () => {
        const result = await runLoad<LatencyResult>(programs.load, [
          "latency",
          "127.0.0.1",
          port,
          "--count",
          "50",
          "--rate",
          "1000",
        ]);
        assertEquals([result.replies, result.bad, result.lost], [50, 0, 0]);
        assert(result.p50_us > 0 && result.p99_us >= result.p50_us);
      });

      await t.step(
        "a reply with another prefix is bad, not a reply",
        async () => {
          const result = await runLoad<ThroughputResult>(programs.load, [
            "throughput",
            "127.0.0.1",
            port,
            "--prefix",
            "NO...",
            "--count",
            "20",
            "--warmup",
            "0",
            "--seconds",
            "0.3",
          ]);
          assertEquals(result.replies, 0);
          assert(result.bad > 0, `expected bad replies, got ${result.bad}`);
        },
      );
    } finally {
      conn.close();
      await echo;
      await removeCPrograms(programs.dir);
    }
  },
});

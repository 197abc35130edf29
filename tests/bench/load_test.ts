/**
 * The benchmark's C programs must count right, or every figure they give is
 * wrong. These tests drive the load generator (`bench/load.c`) against small
 * loops whose replies are known, and the terminal probe (`bench/terminal.c`)
 * against a server that logs each datagram and one that logs none. They
 * assert counts only, never how fast anything was: speed is measured by
 * `deno task bench`.
 *
 * They need Linux and a C compiler. Without one they are ignored with a
 * message, except under CI=true, where they fail saying what to install.
 *
 * @module
 */
import { assert, assertEquals, fail } from "jsr:@std/assert@^1";
import { concat, ROOT } from "../_helpers.ts";
import {
  buildCPrograms,
  type CPrograms,
  findCompiler,
  type LatencyResult,
  removeCPrograms,
  runLoad,
  type TerminalResult,
  type ThroughputResult,
} from "../../bench/c_tools.ts";
import { measurePaired } from "../../bench/measure.ts";

const SECONDS_1900_TO_1970 = 2_208_988_800;
const encoder = new TextEncoder();

const required = Deno.permissions.querySync({ name: "env", variable: "CI" })
      .state === "granted" && Deno.env.get("CI") === "true";
const missing = Deno.build.os !== "linux"
  ? "the benchmark's C programs need Linux (recvmmsg, sendmmsg, forkpty)"
  : (await findCompiler()) === undefined
  ? "no C compiler was found (tried gcc, cc, clang); install one with apt-get install gcc"
  : undefined;
if (missing && !required) {
  console.log(`load_test: ignored, because ${missing}`);
}

/**
 * A UDP loop on 127.0.0.1 that answers every datagram with `answer(data)`,
 * and notes the source port of each.
 */
function serve(answer: (data: Uint8Array) => Uint8Array) {
  const ports = new Set<number>();
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  const done = (async () => {
    const buffer = new Uint8Array(65_536);
    try {
      while (true) {
        const [data, from] = await conn.receive(buffer);
        if (from.transport === "udp") ports.add(from.port);
        await conn.send(answer(data), from);
      }
    } catch (error) {
      // Closing the socket ends a pending receive with one of these.
      const closed = error instanceof Deno.errors.Interrupted ||
        error instanceof Deno.errors.BadResource;
      if (!closed) throw error;
    }
  })();
  return {
    port: String((conn.addr as Deno.NetAddr).port),
    ports,
    async [Symbol.asyncDispose]() {
      conn.close();
      await done;
    },
  };
}

const echo = (data: Uint8Array) => concat(encoder.encode("OK..."), data);
const hello = (data: Uint8Array) =>
  concat(encoder.encode("Hello, "), data, encoder.encode("!"));
const size = (data: Uint8Array) =>
  encoder.encode(`Your data was ${data.length} bytes`);
const time = () => {
  const reply = new Uint8Array(4);
  const now = Math.floor(Date.now() / 1000) + SECONDS_1900_TO_1970;
  new DataView(reply.buffer).setUint32(0, now % 2 ** 32);
  return reply;
};

/** Runs `load throughput` for `count` replies at most (10 s at most). */
function throughput(
  programs: CPrograms,
  port: string,
  count: number,
  ...options: string[]
): Promise<ThroughputResult> {
  return runLoad<ThroughputResult>(programs.load, [
    "throughput",
    "127.0.0.1",
    port,
    "--count",
    String(count),
    "--window",
    "16",
    "--warmup",
    "0",
    "--seconds",
    "10",
    ...options,
  ]);
}

Deno.test({
  name:
    "bench/load.c and bench/terminal.c count what they see, right and wrong",
  ignore: missing !== undefined && !required,
  async fn(t) {
    if (missing) fail(`CI=true, so this test must run, but ${missing}`);
    const programs = await buildCPrograms();
    try {
      await t.step(
        "throughput mode stops at --count replies, all good",
        async () => {
          await using server = serve(echo);
          const result = await throughput(programs, server.port, 500);
          assertEquals(
            [result.replies, result.sent, result.bad, result.late, result.lost],
            [500, 500, 0, 0, 0],
          );
        },
      );

      await t.step(
        "requests go out from --sources ports in turn, 2,000 by default",
        async () => {
          await using server = serve(echo);
          // One in flight: each request goes out from the next port.
          const one = await throughput(
            programs,
            server.port,
            400,
            "--window",
            "1",
            "--sources",
            "40",
          );
          assertEquals([one.replies, one.lost, one.sources], [400, 0, 40]);
          assertEquals(server.ports.size, 40);
          server.ports.clear();
          const timed = await runLoad<LatencyResult>(programs.load, [
            "latency",
            "127.0.0.1",
            server.port,
            "--count",
            "30",
            "--rate",
            "1000",
            "--sources",
            "10",
          ]);
          assertEquals([timed.replies, timed.sources], [30, 10]);
          assertEquals(server.ports.size, 10);
          const many = await throughput(programs, server.port, 100);
          assertEquals([many.replies, many.sources], [100, 2_000]);
        },
      );

      await t.step("latency mode times every datagram it sent", async () => {
        await using server = serve(echo);
        const result = await runLoad<LatencyResult>(programs.load, [
          "latency",
          "127.0.0.1",
          server.port,
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
          await using server = serve(echo);
          const result = await runLoad<ThroughputResult>(programs.load, [
            "throughput",
            "127.0.0.1",
            server.port,
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

      const kinds = { hello, size, time } as const;
      for (const [kind, answer] of Object.entries(kinds)) {
        await t.step(
          `--expect ${kind} counts the ${kind} server's replies, in both modes`,
          async () => {
            await using server = serve(answer);
            const fast = await throughput(
              programs,
              server.port,
              300,
              "--expect",
              kind,
            );
            assertEquals([fast.replies, fast.bad, fast.lost], [300, 0, 0]);
            const timed = await runLoad<LatencyResult>(programs.load, [
              "latency",
              "127.0.0.1",
              server.port,
              "--count",
              "30",
              "--rate",
              "1000",
              "--expect",
              kind,
            ]);
            assertEquals([timed.replies, timed.bad, timed.lost], [30, 0, 0]);
          },
        );
      }

      await t.step("--expect rejects another server's replies", async () => {
        await using server = serve(echo);
        for (const kind of Object.keys(kinds)) {
          const result = await runLoad<ThroughputResult>(programs.load, [
            "throughput",
            "127.0.0.1",
            server.port,
            "--expect",
            kind,
            "--count",
            "20",
            "--warmup",
            "0",
            "--seconds",
            "0.3",
          ]);
          assertEquals(result.replies, 0, `--expect ${kind}`);
          assert(result.bad > 0, `--expect ${kind}: no bad replies counted`);
        }
      });

      /** Runs terminal.c: `count` probes against a bare echo loop. */
      const probe = (count: number, timeoutMs: number, ...flags: string[]) =>
        runLoad<TerminalResult>(programs.terminal, [
          "127.0.0.1",
          "--count",
          String(count),
          "--interval-ms",
          "10",
          "--timeout-ms",
          String(timeoutMs),
          "--",
          Deno.execPath(),
          "run",
          "-N",
          `${ROOT}bench/servers/bare_echo_server.ts`,
          "0",
          ...flags,
        ]);

      await t.step(
        "terminal.c sees each line a server shows on its terminal",
        async () => {
          const result = await probe(5, 3000, "--console-log");
          assertEquals([result.sent, result.shown, result.replies], [5, 5, 5]);
          assert(result.p50_us > 0 && result.max_us >= result.p50_us);
        },
      );

      await t.step(
        "terminal.c sees no line from a server that shows none",
        async () => {
          const result = await probe(3, 200);
          assertEquals([result.sent, result.shown, result.replies], [3, 0, 3]);
        },
      );

      await t.step(
        "measurePaired drives two servers in turn and counts right replies only",
        async () => {
          // Inside the repository: the tests may read only there.
          await Deno.mkdir(`${ROOT}test-results`, { recursive: true });
          const tmp = await Deno.makeTempDir({
            dir: `${ROOT}test-results`,
            prefix: "paired-",
          });
          const bare = (name: string) => ({
            id: name,
            command: [
              Deno.execPath(),
              "run",
              "-N",
              `${ROOT}bench/servers/bare_${name}_server.ts`,
              "0",
            ],
          });
          const tools = { deno: Deno.execPath(), c: programs };
          const options = { tmp, pin: false, pairs: 2, seconds: 0.2 };
          try {
            // Three pairs over two fresh starts of both servers.
            const right = await measurePaired(
              { ...bare("echo"), expect: "echo" },
              { ...bare("hello"), expect: "hello" },
              tools,
              { ...options, pairs: 3, starts: 2 },
            );
            assertEquals([right.a.length, right.b.length], [3, 3]);
            assertEquals(right.starts, [0, 0, 1]);
            assert([...right.a, ...right.b].every((rate) => rate > 0));
            assertEquals(
              right.ratios,
              right.a.map((rate, pair) => rate / right.b[pair]),
            );
            // Bare loops have no guards: nothing refused, nothing lost.
            assertEquals([right.refusal_lines, right.lost], [0, 0]);
            // The hello server's replies are not what a size server sends.
            const wrong = await measurePaired(
              { ...bare("echo"), expect: "echo" },
              { ...bare("hello"), expect: "size" },
              tools,
              options,
            );
            assert(wrong.a.every((rate) => rate > 0));
            assertEquals(wrong.b, [0, 0]);
            assertEquals(wrong.starts, [0, 0]);
            assertEquals(await Array.fromAsync(Deno.readDir(tmp)), []);
          } finally {
            await Deno.remove(tmp, { recursive: true });
          }
        },
      );
    } finally {
      await removeCPrograms(programs.dir);
    }
  },
});

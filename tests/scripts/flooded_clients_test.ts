/**
 * Every client, flooded with junk while it waits: it says what it ignored at
 * most once a second, with a count, and still takes its server's answer.
 */
import { assert, assertEquals, assertLessOrEqual } from "jsr:@std/assert@^1";
import {
  addressOf,
  decode,
  encode,
  loopbackSocket,
  runScript,
  sleep,
  within,
} from "../_helpers.ts";

/** How long the junk comes for, and how fast: bounded in time and count. */
const FLOOD_MS = 2_500;
const PER_TICK = 50;
const TICK_MS = 10;

interface Client {
  name: string;
  args: string[];
  stdin?: Uint8Array;
  /** The server's answer to the request. */
  answer: (request: Uint8Array) => Uint8Array;
  /** What the client prints once it has the answer. */
  prints: string;
}

const CLIENTS: Client[] = [
  {
    name: "echo_client",
    args: [],
    stdin: encode("hi\n"),
    answer: (request) => encode(`OK...${decode(request)}`),
    prints: "Server reply : OK...hi\n",
  },
  {
    name: "hello_client",
    args: ["Ada"],
    answer: (request) => encode(`Hello, ${decode(request)}!`),
    prints: "Hello, Ada!\n",
  },
  {
    name: "time_client",
    args: ["--utc"],
    // 0xda98ebe5: 2016-03-20T09:29:09Z.
    answer: () => new Uint8Array([0xda, 0x98, 0xeb, 0xe5]),
    prints: "Sun Mar 20 09:29:09 2016\n",
  },
  {
    name: "size_client",
    args: [],
    answer: (request) => encode(`Your data was ${request.length} bytes`),
    prints: "The Server reply: Your data was 12 bytes\n",
  },
  {
    name: "improved_client",
    // Waits up to 3.2 s, so that the answer still finds it waiting.
    args: ["--max-delay", "3.2"],
    answer: (request) => encode(`Your data was ${request.length} bytes`),
    prints: "The Server reply: Your data was 12 bytes\n",
  },
];

Deno.test("a flooded client prints at most one line a second about what it ignored, with a count", async (t) => {
  for (const client of CLIENTS) {
    await t.step(client.name, async () => {
      using server = loopbackSocket();
      using stranger = loopbackSocket();
      const run = runScript(client.name, [
        "--port",
        String(addressOf(server).port),
        ...client.args,
      ], { stdin: client.stdin });
      const [request, from] = await within(
        10_000,
        "the request",
        server.receive(),
      );
      // Junk from another port, for 2.5 s.
      const junk = encode("junk");
      const end = performance.now() + FLOOD_MS;
      let sent = 0;
      while (performance.now() < end) {
        for (let i = 0; i < PER_TICK; i++) await stranger.send(junk, from);
        sent += PER_TICK;
        await sleep(TICK_MS);
      }
      await server.send(client.answer(request), from);
      const { code, stdout, stderr } = await run;
      assertEquals(code, 0, stderr);
      assertEquals(stdout.split("\n").at(-2) + "\n", client.prints);
      const lines = stderr.trimEnd().split("\n");
      // Named at once, then at 1 and 2 s, and a count still owed at the end.
      assertLessOrEqual(lines.length, 4, stderr);
      const strangerPort = addressOf(stranger).port;
      const what = `4 bytes from 127.0.0.1:${strangerPort}: not the server`;
      assertEquals(lines[0], `ignored ${what}`);
      let counted = 1;
      for (const line of lines.slice(1)) {
        const count = /^ignored ([\d,]+) more datagrams; the last: (.*)$/
          .exec(line);
        assert(count, line);
        assertEquals(count[2], what);
        counted += Number(count[1].replaceAll(",", ""));
      }
      // The system may drop some of the junk, never add to it.
      assert(counted > 1 && counted <= sent, `${counted} of ${sent} counted`);
    });
  }
});

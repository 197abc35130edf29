/**
 * Floods of real-sized payloads. The flood test sends 5-byte datagrams;
 * these send 300-byte and 60 KB ones, a few in flight at a time, each
 * answered before the next takes its place. Every one must be answered,
 * and resident memory must stay within a stated bound.
 *
 * The server runs with its JavaScript heap capped (`DENO_V8_FLAGS`): what
 * it keeps must fit, and the garbage of a flood cannot make V8 grow the
 * heap a different amount on each run, so the figure is steady.
 */
import { assertEquals, assertLess } from "jsr:@std/assert@^1";
import { startScript } from "../_helpers.ts";
import {
  floodWithPayload,
  PAYLOAD_FLOOD_ENV,
  PAYLOAD_FLOOD_HEAP_MIB,
  type PayloadFlood,
  replyLength,
} from "./_scenarios.ts";

const MiB = 1024 * 1024;

/** How much resident memory a flood may add, whatever the payload. */
const MAX_GROWTH = 64 * MiB;

const FLOODS: PayloadFlood[] = [
  { size: 300, count: 50_000, window: 16 },
  { size: 60_000, count: 10_000, window: 2 },
];

for (const name of ["echo_server", "size_server"] as const) {
  for (const flood of FLOODS) {
    const { size, count } = flood;
    const label = size >= 1000 ? `${size / 1000} KB` : `${size}-byte`;
    Deno.test(`${name} answers all of ${count.toLocaleString("en-US")} ${label} requests with memory bounded`, async () => {
      await using server = await startScript(name, ["--port", "0"], {
        env: PAYLOAD_FLOOD_ENV,
      });
      const { answered, rssBefore, rssAfter } = await floodWithPayload(
        server,
        flood,
        replyLength(name, size),
      );
      assertEquals(answered, count);
      console.log(
        `${name}, ${count} requests of ${size} bytes: ${answered} answered, ` +
          `heap capped at ${PAYLOAD_FLOOD_HEAP_MIB} MiB, resident memory ${
            ((rssBefore ?? NaN) / MiB).toFixed(1)
          } MiB before, ` +
          `${((rssAfter ?? NaN) / MiB).toFixed(1)} MiB after`,
      );
      if (Deno.build.os === "linux") {
        if (rssBefore === undefined || rssAfter === undefined) {
          throw new Error("no resident memory figures from /proc");
        }
        assertLess(
          rssAfter - rssBefore,
          MAX_GROWTH,
          `resident memory grew by ${
            ((rssAfter - rssBefore) / MiB).toFixed(1)
          } MiB`,
        );
      }
    });
  }
}

import { assertEquals, assertLess } from "jsr:@std/assert@^1";
import { readLines } from "../../lib/stdin.ts";
import { encode, within } from "../_helpers.ts";

/** Feeds `chunks` through readLines() and collects the lines it yields. */
async function linesOf(...chunks: (string | Uint8Array)[]) {
  const stream = ReadableStream.from(
    chunks.map((chunk) => typeof chunk === "string" ? encode(chunk) : chunk),
  );
  const lines: Uint8Array[] = [];
  for await (const line of readLines(stream)) lines.push(line);
  return lines;
}

/** The same, as text, for the cases where every byte is ASCII. */
async function textLinesOf(...chunks: string[]) {
  return (await linesOf(...chunks)).map((line) =>
    new TextDecoder().decode(line)
  );
}

Deno.test("readLines() yields nothing for empty input", async () => {
  assertEquals(await linesOf(), []);
  assertEquals(await linesOf(""), []);
});

Deno.test("readLines() keeps empty lines", async (t) => {
  await t.step("a lone newline is one empty line", async () => {
    assertEquals(await textLinesOf("\n"), [""]);
  });
  await t.step("empty lines between and after text", async () => {
    assertEquals(await textLinesOf("a\n\nb\n\n"), ["a", "", "b", ""]);
  });
  await t.step("a lone CRLF is one empty line", async () => {
    assertEquals(await textLinesOf("\r\n\r\n"), ["", ""]);
  });
});

Deno.test("readLines() strips LF and CRLF line endings", async (t) => {
  await t.step("LF", async () => {
    assertEquals(await textLinesOf("one\ntwo\n"), ["one", "two"]);
  });
  await t.step("CRLF", async () => {
    assertEquals(await textLinesOf("one\r\ntwo\r\n"), ["one", "two"]);
  });
  await t.step("both in one input", async () => {
    assertEquals(await textLinesOf("one\r\ntwo\nthree\r\n"), [
      "one",
      "two",
      "three",
    ]);
  });
  await t.step("a CR that does not end a line is kept", async () => {
    assertEquals(await textLinesOf("a\rb\n\rc\n"), ["a\rb", "\rc"]);
  });
  await t.step(
    "only the last of several CRs is part of the ending",
    async () => {
      assertEquals(await textLinesOf("a\r\r\n"), ["a\r"]);
    },
  );
});

Deno.test("readLines() yields a last line that has no newline", async (t) => {
  await t.step("after other lines", async () => {
    assertEquals(await textLinesOf("one\ntwo"), ["one", "two"]);
  });
  await t.step("as the only line", async () => {
    assertEquals(await textLinesOf("alone"), ["alone"]);
  });
  await t.step("ending in CR", async () => {
    assertEquals(await textLinesOf("one\r\ntwo\r"), ["one", "two"]);
  });
});

Deno.test("readLines() joins a line split across chunks", async (t) => {
  await t.step("in the middle of the text", async () => {
    assertEquals(await textLinesOf("hel", "lo\nwor", "ld\n"), [
      "hello",
      "world",
    ]);
  });
  await t.step("across several chunks with no newline", async () => {
    assertEquals(await textLinesOf("a", "b", "c", "\n"), ["abc"]);
  });
  await t.step("between the CR and the LF of a CRLF", async () => {
    assertEquals(await textLinesOf("one\r", "\ntwo\r\n"), ["one", "two"]);
  });
  await t.step("one byte per chunk", async () => {
    const text = "ab\r\n\ncd\r\nef";
    assertEquals(await textLinesOf(...text.split("")), ["ab", "", "cd", "ef"]);
  });
  await t.step("empty chunks in between", async () => {
    assertEquals(await textLinesOf("", "a", "", "\n", ""), ["a"]);
  });
  await t.step("a multi-byte character split between chunks", async () => {
    const euro = encode("€");
    const lines = await linesOf(
      euro.subarray(0, 1),
      euro.subarray(1),
      encode("\n"),
    );
    assertEquals(lines, [euro]);
  });
});

Deno.test("readLines() keeps bytes that are not valid UTF-8", async () => {
  const lines = await linesOf(
    new Uint8Array([0xff, 0x00, 0x41, 0x0a, 0xc0, 0xaf, 0x0d, 0x0a]),
    new Uint8Array([0xed, 0xa0, 0x80]),
  );
  assertEquals(lines, [
    new Uint8Array([0xff, 0x00, 0x41]),
    new Uint8Array([0xc0, 0xaf]),
    new Uint8Array([0xed, 0xa0, 0x80]),
  ]);
});

Deno.test("readLines() lines stay intact after later chunks are read", async () => {
  // Lines are collected first and compared after the whole input is read.
  const chunks = ["first\nsec", "ond\nthird\n", "fourth"];
  assertEquals(await textLinesOf(...chunks), [
    "first",
    "second",
    "third",
    "fourth",
  ]);
});

Deno.test("readLines() with maxBytes keeps a line up to the limit whole", async (t) => {
  const linesWithin = async (maxBytes: number, ...chunks: string[]) => {
    const stream = ReadableStream.from(chunks.map(encode));
    const lines: string[] = [];
    for await (const line of readLines(stream, { maxBytes })) {
      lines.push(new TextDecoder().decode(line));
    }
    return lines;
  };
  await t.step("a line of exactly maxBytes, with LF or CRLF", async () => {
    assertEquals(await linesWithin(3, "abc\nabc\r\nabc"), [
      "abc",
      "abc",
      "abc",
    ]);
  });
  await t.step("one byte more is cut to maxBytes + 1 bytes", async () => {
    assertEquals(await linesWithin(3, "abcd\nabcdefgh\n"), ["abcd", "abcd"]);
  });
  await t.step(
    "a CR inside the line counts, the one ending it does not",
    async () => {
      assertEquals(await linesWithin(3, "ab\r\r\nabc\r\r\n"), [
        "ab\r",
        "abc\r",
      ]);
    },
  );
  await t.step(
    "the line after a long one is whole, across chunks",
    async () => {
      assertEquals(
        await linesWithin(2, "xxx", "xxxx", "xx\r", "\nnext\r", "\nok"),
        ["xxx", "nex", "ok"],
      );
    },
  );
  await t.step("a long last line with no newline is cut too", async () => {
    assertEquals(await linesWithin(1, "a\n", "bcdef"), ["a", "bc"]);
  });
});

Deno.test("readLines() yields a line past maxBytes before it ends, so endless input cannot stall it", async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(1000).fill(0x61));
    },
  });
  const lines = readLines(endless, { maxBytes: 65_507 });
  const first = await within(5_000, "the first line", lines.next());
  assertEquals(first.value?.length, 65_508);
  // 66 chunks of 1,000 bytes hold the 65,509 bytes that tell it is too long
  // (the stream may have pulled one more ahead).
  assertLess(pulled, 70);
  await lines.return(undefined);
});

/** 32 MiB of "a" with no newline, in 64 KiB chunks of one reused buffer. */
function noNewline(chunks = 512): {
  stream: ReadableStream<Uint8Array>;
  grewMost: () => number;
} {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  const start = Deno.memoryUsage().external;
  let most = 0;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      // How many more bytes of ArrayBuffers exist than when reading began:
      // the reader's own, since every chunk is the same buffer.
      most = Math.max(most, Deno.memoryUsage().external - start);
      if (sent++ < chunks) controller.enqueue(chunk);
      else controller.close();
    },
  });
  return { stream, grewMost: () => most };
}

/** Every line of `stream`, read within 20 s (a guard against a hang). */
function allLinesWithin20s(
  stream: ReadableStream<Uint8Array>,
  options?: { maxBytes?: number },
): Promise<Uint8Array[]> {
  return within(
    20_000,
    "32 MiB read",
    Array.fromAsync(readLines(stream, options)),
  );
}

Deno.test("readLines() reads 32 MiB with no newline, keeping maxBytes + 1 of it", async () => {
  const { stream, grewMost } = noNewline();
  const lines = await allLinesWithin20s(stream, { maxBytes: 65_507 });
  assertEquals(lines.map((line) => line.length), [65_508]);
  assertEquals(lines[0].every((byte) => byte === 0x61), true);
  assertLess(grewMost(), 1024 * 1024, `${grewMost()} bytes more were held`);
});

Deno.test("readLines() with no limit yields a 32 MiB line whole, copying it once", async () => {
  const { stream, grewMost } = noNewline();
  const lines = await allLinesWithin20s(stream);
  assertEquals(lines.map((line) => line.length), [32 * 1024 * 1024]);
  assertEquals(lines[0].every((byte) => byte === 0x61), true);
  // Only the line itself is new; a reader that joined the chunks again on
  // each one would have held twice as much at some point.
  assertLess(grewMost(), 1024 * 1024, `${grewMost()} bytes more were held`);
});

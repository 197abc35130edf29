import { assert, assertEquals, assertLessOrEqual } from "jsr:@std/assert@^1";
import {
  DEFAULT_SHOWN_BYTES,
  quoted,
  safeString,
  safeText,
} from "../../lib/text.ts";
import { concat, decode, encode } from "../_helpers.ts";
import { seededRandom } from "../../tools/lossy_relay.ts";

const bytes = (...values: number[]) => new Uint8Array(values);

/** Every character safeText() must never let through raw. */
const UNSAFE =
  // deno-lint-ignore no-control-regex -- matching them is the point
  /[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ue000-\uf8ff\ufeff\ufff9-\ufffb\ufffe\uffff\u{e0000}-\u{e007f}\u{f0000}-\u{10ffff}]/u;

/**
 * Reads safeText()'s escapes back into bytes: if this gives the payload
 * again, the output was unambiguous.
 */
function unescape(text: string): Uint8Array {
  const out: number[] = [];
  const named: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09 };
  for (let i = 0; i < text.length;) {
    if (text[i] !== "\\") {
      const char = String.fromCodePoint(text.codePointAt(i) ?? 0);
      out.push(...encode(char));
      i += char.length;
    } else if (text[i + 1] === "x") {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (text[i + 1] === "u" && text[i + 2] === "{") {
      const close = text.indexOf("}", i);
      const codePoint = parseInt(text.slice(i + 3, close), 16);
      out.push(...encode(String.fromCodePoint(codePoint)));
      i = close + 1;
    } else if (text[i + 1] === "u") {
      const codePoint = parseInt(text.slice(i + 2, i + 6), 16);
      out.push(...encode(String.fromCodePoint(codePoint)));
      i += 6;
    } else if (text[i + 1] === "\\") {
      out.push(0x5c);
      i += 2;
    } else if (text[i + 1] in named) {
      out.push(named[text[i + 1]]);
      i += 2;
    } else {
      throw new Error(`unknown escape at ${i} in ${JSON.stringify(text)}`);
    }
  }
  return new Uint8Array(out);
}

Deno.test("safeText() shows an empty payload as an empty string", () => {
  assertEquals(safeText(new Uint8Array(0)), "");
  assertEquals(safeText(new Uint8Array(0), { trimEnd: true }), "");
});

Deno.test("safeText() escapes terminal control characters", async (t) => {
  await t.step("ESC of a clear-screen sequence", () => {
    assertEquals(safeText(encode("\x1b[2J")), "\\x1b[2J");
  });
  await t.step("NUL, BEL and DEL", () => {
    assertEquals(safeText(bytes(0x00, 0x07, 0x7f)), "\\x00\\x07\\x7f");
  });
  await t.step("CR, LF and TAB by name", () => {
    assertEquals(safeText(encode("a\rb\nc\td")), "a\\rb\\nc\\td");
  });
  await t.step("every C0 control", () => {
    for (let byte = 0; byte < 0x20; byte++) {
      const shown = safeText(bytes(byte));
      assert(!UNSAFE.test(shown), `0x${byte.toString(16)} shown raw`);
      assertEquals(shown[0], "\\");
    }
  });
  await t.step("C1 controls such as NEL (U+0085)", () => {
    assertEquals(safeText(encode("a\u0085b")), "a\\u0085b");
    assertEquals(
      safeText(encode("\u0080\u009b\u009f")),
      "\\u0080\\u009b\\u009f",
    );
  });
});

Deno.test("safeText() escapes bidi controls and line separators", async (t) => {
  await t.step("RIGHT-TO-LEFT OVERRIDE (U+202E)", () => {
    assertEquals(safeText(encode("abc\u202Efdp.exe")), "abc\\u202efdp.exe");
  });
  await t.step("every other bidi control", () => {
    const controls = [
      0x061c,
      0x200e,
      0x200f,
      0x202a,
      0x202b,
      0x202c,
      0x202d,
      0x2066,
      0x2067,
      0x2068,
      0x2069,
    ];
    for (const codePoint of controls) {
      const hex = codePoint.toString(16).padStart(4, "0");
      assertEquals(
        safeText(encode(`x${String.fromCodePoint(codePoint)}y`)),
        `x\\u${hex}y`,
      );
    }
  });
  await t.step(
    "LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029)",
    () => {
      assertEquals(safeText(encode("a\u2028b\u2029c")), "a\\u2028b\\u2029c");
    },
  );
  await t.step("the byte order mark (U+FEFF)", () => {
    assertEquals(safeText(encode("\ufeffhi")), "\\ufeffhi");
  });
});

Deno.test("safeText() escapes characters that show nothing, or anything", async (t) => {
  await t.step("a zero-width space cannot pass for nothing", () => {
    assertEquals(safeText(encode("ad\u200bmin")), "ad\\u200bmin");
  });
  await t.step("each invisible, format, tag and private character", () => {
    // The literal list, not the code's own: U+00AD, U+180E, U+200B–200D,
    // U+2060–2064, U+206A–206F, U+FFF9–FFFB, U+FFFE/FFFF, the tags, and the
    // ends of each private use range. Above U+FFFF, as \u{…}.
    const escaped: [number, string][] = [
      [0x00ad, "\\u00ad"],
      [0x180e, "\\u180e"],
      [0x200b, "\\u200b"],
      [0x200c, "\\u200c"],
      [0x200d, "\\u200d"],
      [0x2060, "\\u2060"],
      [0x2061, "\\u2061"],
      [0x2062, "\\u2062"],
      [0x2063, "\\u2063"],
      [0x2064, "\\u2064"],
      [0x206a, "\\u206a"],
      [0x206b, "\\u206b"],
      [0x206c, "\\u206c"],
      [0x206d, "\\u206d"],
      [0x206e, "\\u206e"],
      [0x206f, "\\u206f"],
      [0xe000, "\\ue000"],
      [0xf8ff, "\\uf8ff"],
      [0xfff9, "\\ufff9"],
      [0xfffa, "\\ufffa"],
      [0xfffb, "\\ufffb"],
      [0xfffe, "\\ufffe"],
      [0xffff, "\\uffff"],
      [0xe0001, "\\u{e0001}"], // LANGUAGE TAG
      [0xe0041, "\\u{e0041}"], // TAG LATIN CAPITAL LETTER A
      [0xe007f, "\\u{e007f}"], // CANCEL TAG
      [0xf0000, "\\u{f0000}"],
      [0xffffd, "\\u{ffffd}"],
      [0x100000, "\\u{100000}"],
      [0x10fffd, "\\u{10fffd}"],
    ];
    for (const [codePoint, shown] of escaped) {
      const char = String.fromCodePoint(codePoint);
      assertEquals(safeText(encode(`x${char}y`)), `x${shown}y`, shown);
    }
  });
  await t.step("text hidden in tags after a flag is shown", () => {
    assertEquals(
      safeText(encode("🏴\u{e0067}\u{e0062}\u{e007f}")),
      "🏴\\u{e0067}\\u{e0062}\\u{e007f}",
    );
  });
  await t.step("their visible neighbours are kept", () => {
    const kept = "\u00ac\u00ae\u200a\u2010\u205f\u2070\uf900\ufffc\ufffd🌍";
    assertEquals(safeText(encode(kept)), kept);
  });
});

Deno.test("safeText() escapes the backslash so escapes are unambiguous", () => {
  assertEquals(safeText(encode("\\")), "\\\\");
  // A payload that spells an escape differs from the byte it names.
  assertEquals(safeText(encode("\\x1b")), "\\\\x1b");
  assertEquals(safeText(bytes(0x1b)), "\\x1b");
});

Deno.test("safeText() keeps valid text as it is", () => {
  assertEquals(safeText(encode("hello world!")), "hello world!");
  assertEquals(safeText(encode("héllo, 世界 🌍")), "héllo, 世界 🌍");
  // U+00A0 is just past the C1 controls and is printable.
  assertEquals(safeText(encode("a\u00a0b")), "a\u00a0b");
});

Deno.test("safeText() shows bytes that are not valid UTF-8 as \\xNN", async (t) => {
  await t.step("a lone 0xff", () => {
    assertEquals(safeText(bytes(0xff)), "\\xff");
    assertEquals(safeText(bytes(0x41, 0xff, 0x42)), "A\\xffB");
  });
  await t.step("a stray continuation byte", () => {
    assertEquals(safeText(bytes(0x80, 0x41)), "\\x80A");
  });
  await t.step("a sequence cut short by the end of the payload", () => {
    assertEquals(safeText(bytes(0xe2, 0x82)), "\\xe2\\x82");
    assertEquals(safeText(bytes(0xf0, 0x9f, 0x8c)), "\\xf0\\x9f\\x8c");
  });
  await t.step("a sequence cut short by another character", () => {
    assertEquals(safeText(bytes(0xe2, 0x82, 0x41)), "\\xe2\\x82A");
    assertEquals(safeText(bytes(0xc3, 0xc3, 0xa9)), "\\xc3é");
  });
  await t.step("the overlong form c0 af of '/'", () => {
    assertEquals(safeText(bytes(0xc0, 0xaf)), "\\xc0\\xaf");
    assertEquals(safeText(bytes(0xe0, 0x80, 0xaf)), "\\xe0\\x80\\xaf");
    assertEquals(
      safeText(bytes(0xf0, 0x80, 0x80, 0xaf)),
      "\\xf0\\x80\\x80\\xaf",
    );
  });
  await t.step("a UTF-8-encoded surrogate (ed a0 80)", () => {
    assertEquals(safeText(bytes(0xed, 0xa0, 0x80)), "\\xed\\xa0\\x80");
    assertEquals(safeText(bytes(0xed, 0xbf, 0xbf)), "\\xed\\xbf\\xbf");
  });
  await t.step("a code point above U+10FFFF", () => {
    assertEquals(
      safeText(bytes(0xf4, 0x90, 0x80, 0x80)),
      "\\xf4\\x90\\x80\\x80",
    );
    assertEquals(safeText(bytes(0xf5, 0x80)), "\\xf5\\x80");
  });
  await t.step("the last valid code points on each side are decoded", () => {
    assertEquals(safeText(bytes(0xed, 0x9f, 0xbf)), "\ud7ff");
    // U+10FFFF is valid UTF-8, a noncharacter of plane 16: one escape.
    assertEquals(safeText(bytes(0xf4, 0x8f, 0xbf, 0xbf)), "\\u{10ffff}");
  });
});

Deno.test("safeText() cuts a long payload and notes its full size", async (t) => {
  await t.step("a payload of exactly the limit is not cut", () => {
    const payload = encode("a".repeat(DEFAULT_SHOWN_BYTES));
    assertEquals(safeText(payload), "a".repeat(DEFAULT_SHOWN_BYTES));
  });
  await t.step("one byte over the limit is cut", () => {
    const payload = encode("a".repeat(DEFAULT_SHOWN_BYTES + 1));
    assertEquals(
      safeText(payload),
      `${"a".repeat(DEFAULT_SHOWN_BYTES)} [… ${
        DEFAULT_SHOWN_BYTES + 1
      } bytes in all]`,
    );
  });
  await t.step("the largest UDP payload, 65,507 bytes", () => {
    const payload = new Uint8Array(65_507).fill(0x62);
    assertEquals(
      safeText(payload),
      `${"b".repeat(DEFAULT_SHOWN_BYTES)} [… 65507 bytes in all]`,
    );
  });
  await t.step("maxBytes sets the limit", () => {
    assertEquals(
      safeText(encode("hello world"), { maxBytes: 5 }),
      "hello [… 11 bytes in all]",
    );
  });
  await t.step("the limit counts bytes received, not characters shown", () => {
    assertEquals(
      safeText(bytes(0x1b, 0x1b, 0x1b), { maxBytes: 2 }),
      "\\x1b\\x1b [… 3 bytes in all]",
    );
  });
});

Deno.test("safeText() never splits a multi-byte character when cutting", async (t) => {
  await t.step("2-byte characters", () => {
    const payload = encode("é".repeat(101)); // 202 bytes
    assertEquals(safeText(payload), `${"é".repeat(100)} [… 202 bytes in all]`);
  });
  await t.step("3-byte characters", () => {
    const payload = encode("€".repeat(70)); // 210 bytes; 66 fit in 200
    assertEquals(safeText(payload), `${"€".repeat(66)} [… 210 bytes in all]`);
  });
  await t.step("a 4-byte character that would end past the limit", () => {
    for (const maxBytes of [1, 2, 3, 4, 5, 6, 7]) {
      const shown = safeText(encode("a🌍b"), { maxBytes });
      const expected = maxBytes < 5 ? "a" : maxBytes < 6 ? "a🌍" : "a🌍b";
      const note = maxBytes < 6 ? " [… 6 bytes in all]" : "";
      assertEquals(shown, expected + note, `maxBytes ${maxBytes}`);
    }
  });
});

Deno.test("safeText() with trimEnd drops trailing whitespace only", async (t) => {
  await t.step("one final line break goes without a note", () => {
    assertEquals(safeText(encode("hello\n"), { trimEnd: true }), "hello");
    assertEquals(safeText(encode("hello\r\n"), { trimEnd: true }), "hello");
    assertEquals(safeText(encode("hello\r"), { trimEnd: true }), "hello");
    assertEquals(safeText(encode("\n"), { trimEnd: true }), "");
  });
  await t.step("whitespace at the start and inside is kept", () => {
    assertEquals(safeText(encode(" a\tb\n"), { trimEnd: true }), " a\\tb");
  });
  await t.step("without trimEnd, trailing whitespace is shown", () => {
    assertEquals(safeText(encode("hi \n")), "hi \\n");
  });
  await t.step("a cut payload still notes its full size", () => {
    const payload = encode("a".repeat(300) + "\n");
    assertEquals(
      safeText(payload, { trimEnd: true }),
      `${"a".repeat(DEFAULT_SHOWN_BYTES)} [… 301 bytes in all]`,
    );
  });
});

Deno.test("safeText() with trimEnd notes the full size whenever more than a line break is dropped", async (t) => {
  const cases: [string, Uint8Array, string][] = [
    [
      "OK and 60,000 spaces",
      encode("OK" + " ".repeat(60_000)),
      "OK [… 60002 bytes in all]",
    ],
    [
      "spaces, tabs, CR, LF, VT and FF at the end",
      encode("hello \t\r\n\x0b\x0c"),
      "hello [… 11 bytes in all]",
    ],
    [
      "a space before the line break",
      encode("hello \n"),
      "hello [… 7 bytes in all]",
    ],
    ["two line breaks", encode("hello\n\n"), "hello [… 7 bytes in all]"],
    [
      "after text that is not plain ASCII",
      encode("é\x1b  "),
      "é\\x1b [… 5 bytes in all]",
    ],
    ["a payload of only whitespace", encode(" \r\n"), "[… 3 bytes in all]"],
    [
      "the largest UDP payload, all spaces",
      new Uint8Array(65_507).fill(0x20),
      "[… 65507 bytes in all]",
    ],
  ];
  for (const [what, payload, shown] of cases) {
    await t.step(what, () => {
      assertEquals(safeText(payload, { trimEnd: true }), shown);
    });
  }
});

Deno.test("safeText() never shows raw control, bidi or invisible characters, for random bytes", () => {
  const random = seededRandom(868);
  const int = (n: number) => Math.floor(random() * n);
  // Raw bytes rarely form the characters that matter, so mix in their UTF-8.
  const interesting = [
    "\x1b",
    "\n",
    "\r",
    "\\",
    "\x7f",
    "\u0085",
    "\u009b",
    "\u061c",
    "\u200e",
    "\u202e",
    "\u2028",
    "\u2066",
    "\ufeff",
    "\u00ad",
    "\u200b",
    "\u2060",
    "\ue000",
    "\ufffe",
    "\u{e0041}",
    "\u{10fffd}",
    " ",
    "\t",
    "é",
    "€",
    "🌍",
  ].map(encode);
  for (let round = 0; round < 5_000; round++) {
    const parts: Uint8Array[] = [];
    const count = int(12);
    for (let k = 0; k < count; k++) {
      const kind = int(4);
      if (kind === 0) {
        parts.push(interesting[int(interesting.length)]);
      } else if (kind === 1) {
        // A random character (never a surrogate), whole or cut short.
        const codePoint = int(0x10ffff - 0x800);
        const char = String.fromCodePoint(
          codePoint >= 0xd800 ? codePoint + 0x800 : codePoint,
        );
        const encoded = encode(char);
        parts.push(encoded.subarray(0, 1 + int(encoded.length)));
      } else {
        parts.push(new Uint8Array(int(8)).map(() => int(256)));
      }
    }
    const payload = concat(...parts);
    const seed = `round ${round}, payload ${Array.from(payload).join(",")}`;

    const shown = safeText(payload, { maxBytes: Infinity });
    assert(!UNSAFE.test(shown), `raw control character shown; ${seed}`);
    assert(shown.isWellFormed(), `lone surrogate shown; ${seed}`);
    assertEquals(unescape(shown), payload, `ambiguous output; ${seed}`);

    const cut = safeText(payload, { maxBytes: 16, trimEnd: true });
    assert(!UNSAFE.test(cut), `raw control character shown; ${seed}`);
    assert(cut.isWellFormed(), `lone surrogate shown; ${seed}`);
    const note = `[… ${payload.length} bytes in all]`;
    const noted = cut.endsWith(note);
    const prefix = unescape(
      noted ? cut.slice(0, -note.length).replace(/ $/, "") : cut,
    );
    assertLessOrEqual(prefix.length, 16, `too much shown; ${seed}`);
    assertEquals(
      prefix,
      payload.subarray(0, prefix.length),
      `not the start of the payload; ${seed}`,
    );
    if (!noted) {
      // Without a note, at most one line break may be left out.
      const rest = decode(payload.subarray(prefix.length));
      assert(
        ["", "\n", "\r\n", "\r"].includes(rest),
        `${rest.length} bytes left out without a note; ${seed}`,
      );
    }
  }
});

/** The bidi controls a reader must never get raw: embeddings, overrides, isolates. */
const BIDI_CONTROLS = [
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
];

Deno.test("safeString() shows the user's text with safeText()'s escapes, nothing cut", async (t) => {
  await t.step("a terminal escape and a bell", () => {
    assertEquals(safeString("\x1b]0;owned\x07ok"), "\\x1b]0;owned\\x07ok");
  });
  await t.step(
    "every bidi control, which JSON.stringify() lets through",
    () => {
      for (const codePoint of BIDI_CONTROLS) {
        const char = String.fromCodePoint(codePoint);
        const hex = codePoint.toString(16);
        assertEquals(safeString(`a${char}b`), `a\\u${hex}b`);
        assert(
          JSON.stringify(char).includes(char),
          "JSON.stringify() escaped it",
        );
      }
    },
  );
  await t.step("C1 controls, a line separator and a zero-width space", () => {
    assertEquals(safeString("\u009b2J\u2028\u200b"), "\\u009b2J\\u2028\\u200b");
  });
  await t.step("plain and accented text as it is, however long", () => {
    const long = "é".repeat(40_000);
    assertEquals(safeString(long), long);
    assertEquals(safeString("hello world!"), "hello world!");
  });
  await t.step("the backslash doubled, so escapes stay unambiguous", () => {
    assertEquals(safeString("C:\\x1b"), "C:\\\\x1b");
  });
});

Deno.test("quoted() puts safeString() in double quotes, a quote inside escaped", () => {
  assertEquals(quoted("70000"), '"70000"');
  assertEquals(quoted(""), '""');
  assertEquals(quoted('say "hi"'), '"say \\"hi\\""');
  assertEquals(quoted("--\u202eevil"), '"--\\u202eevil"');
  const shown = quoted("\x1b[2J\u2066x\u2069\u0085");
  assert(!UNSAFE.test(shown), shown);
});

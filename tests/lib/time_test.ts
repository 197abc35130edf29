import { assertEquals, assertThrows } from "jsr:@std/assert@^1";
import {
  ctime,
  decodeTime,
  encodeTime,
  SECONDS_1900_TO_1970,
} from "../../lib/time.ts";
import { libUrl, runCode } from "./_subprocess.ts";

const bytes = (...values: number[]) => new Uint8Array(values);
const utc = (iso: string) => new Date(iso);

Deno.test("SECONDS_1900_TO_1970 is the time from RFC 868's epoch to Unix's", () => {
  assertEquals(SECONDS_1900_TO_1970, -Date.UTC(1900, 0, 1) / 1000);
  assertEquals(SECONDS_1900_TO_1970, 2_208_988_800);
});

Deno.test("encodeTime() gives 4 big-endian bytes of seconds since 1900", async (t) => {
  await t.step("1900-01-01T00:00:00Z is 0", () => {
    assertEquals(encodeTime(utc("1900-01-01T00:00:00Z")), bytes(0, 0, 0, 0));
  });
  await t.step("the Unix epoch is 83 aa 7e 80", () => {
    assertEquals(encodeTime(new Date(0)), bytes(0x83, 0xaa, 0x7e, 0x80));
  });
  await t.step("one second before the 2036 wrap is ff ff ff ff", () => {
    assertEquals(
      encodeTime(utc("2036-02-07T06:28:15Z")),
      bytes(0xff, 0xff, 0xff, 0xff),
    );
  });
  await t.step("2036-02-07T06:28:16Z wraps to 0", () => {
    assertEquals(encodeTime(utc("2036-02-07T06:28:16Z")), bytes(0, 0, 0, 0));
  });
  await t.step("2040-01-01T00:00:00Z, past the wrap", () => {
    // 2040-01-01 is 4,417,977,600 s after 1900; minus 2^32 is 123,010,304.
    assertEquals(
      encodeTime(utc("2040-01-01T00:00:00Z")),
      bytes(0x07, 0x54, 0xfd, 0x00),
    );
  });
  await t.step("milliseconds are dropped, rounding down", () => {
    assertEquals(
      encodeTime(utc("1970-01-01T00:00:00.999Z")),
      encodeTime(new Date(0)),
    );
    assertEquals(
      encodeTime(new Date(-1)),
      encodeTime(utc("1969-12-31T23:59:59Z")),
    );
  });
});

Deno.test("decodeTime() reads the bytes encodeTime() makes", async (t) => {
  await t.step("the Unix epoch", () => {
    assertEquals(decodeTime(bytes(0x83, 0xaa, 0x7e, 0x80)), new Date(0));
  });
  await t.step("0 is 2036-02-07T06:28:16Z, not 1900", () => {
    assertEquals(decodeTime(bytes(0, 0, 0, 0)), utc("2036-02-07T06:28:16Z"));
  });
  await t.step("ff ff ff ff is 2036-02-07T06:28:15Z", () => {
    assertEquals(
      decodeTime(bytes(0xff, 0xff, 0xff, 0xff)),
      utc("2036-02-07T06:28:15Z"),
    );
  });
  await t.step("a date in 2040 comes back whole", () => {
    const date = utc("2040-06-15T12:34:56Z");
    assertEquals(decodeTime(encodeTime(date)), date);
  });
  await t.step("the first and last dates of the window, 1968 to 2104", () => {
    for (
      const iso of [
        "1968-01-20T03:14:08Z",
        "2000-01-01T00:00:00Z",
        "2016-03-20T09:29:09Z",
        "2104-02-26T09:42:23Z",
      ]
    ) {
      assertEquals(decodeTime(encodeTime(utc(iso))), utc(iso), iso);
    }
  });
  await t.step("a date just before the window reads as its end", () => {
    assertEquals(
      decodeTime(encodeTime(utc("1968-01-20T03:14:07Z"))),
      utc("2104-02-26T09:42:23Z"),
    );
  });
  await t.step("every 997,001st second of the window round-trips", () => {
    const first = Date.UTC(1968, 0, 20, 3, 14, 8) / 1000;
    const last = Date.UTC(2104, 1, 26, 9, 42, 23) / 1000;
    for (let seconds = first; seconds <= last; seconds += 997_001) {
      const date = new Date(seconds * 1000);
      assertEquals(decodeTime(encodeTime(date)), date);
    }
  });
  await t.step("four bytes inside a larger buffer", () => {
    const buffer = bytes(0xee, 0x83, 0xaa, 0x7e, 0x80, 0xee);
    assertEquals(decodeTime(buffer.subarray(1, 5)), new Date(0));
  });
});

Deno.test("decodeTime() rejects anything but 4 bytes with a RangeError", async (t) => {
  for (const length of [0, 3, 5, 8]) {
    await t.step(`${length} bytes`, () => {
      assertThrows(
        () => decodeTime(new Uint8Array(length)),
        RangeError,
        `an RFC 868 time is 4 bytes, but ${length} came`,
      );
    });
  }
});

Deno.test("ctime() formats a date as C's ctime() does", async (t) => {
  await t.step("a single-digit day is padded with a space", () => {
    assertEquals(
      ctime(utc("2016-03-06T09:29:09Z"), { utc: true }),
      "Sun Mar  6 09:29:09 2016",
    );
  });
  await t.step("a two-digit day", () => {
    assertEquals(
      ctime(utc("2016-03-20T09:29:09Z"), { utc: true }),
      "Sun Mar 20 09:29:09 2016",
    );
  });
  await t.step("midnight and single-digit hours, minutes and seconds", () => {
    assertEquals(ctime(new Date(0), { utc: true }), "Thu Jan  1 00:00:00 1970");
    assertEquals(
      ctime(utc("2040-12-31T01:02:03Z"), { utc: true }),
      "Mon Dec 31 01:02:03 2040",
    );
  });
  await t.step("every weekday and month name", () => {
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const months = [
      "Jan",
      "Feb",
      "Mar",
      "Apr",
      "May",
      "Jun",
      "Jul",
      "Aug",
      "Sep",
      "Oct",
      "Nov",
      "Dec",
    ];
    for (let month = 0; month < 12; month++) {
      const date = new Date(Date.UTC(2024, month, 10, 12));
      const shown = ctime(date, { utc: true });
      assertEquals(
        shown,
        `${days[date.getUTCDay()]} ${months[month]} 10 12:00:00 2024`,
      );
    }
  });
});

Deno.test("ctime() uses the local time zone unless utc is set", async () => {
  const result = await runCode(
    `import { ctime } from "${libUrl("time.ts")}";
console.log(ctime(new Date(0)));
console.log(ctime(new Date(0), { utc: true }));`,
    { env: { TZ: "Asia/Tokyo" } },
  );
  assertEquals(result.stderr, "");
  assertEquals(
    result.stdout,
    "Thu Jan  1 09:00:00 1970\nThu Jan  1 00:00:00 1970\n",
  );
});

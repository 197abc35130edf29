import { assertEquals } from "jsr:@std/assert@^1";
import { ratioAgainst } from "../../bench/format.ts";

Deno.test("ratioAgainst() never shows a missed target as met", () => {
  assertEquals(ratioAgainst(0.9962, 1), "0.996");
  assertEquals(ratioAgainst(0.69951, 0.7), "0.699");
  assertEquals(ratioAgainst(0.9999999, 1), "0.999");
});

Deno.test("ratioAgainst() shows two decimals otherwise", () => {
  assertEquals(ratioAgainst(1.004, 1), "1.00");
  assertEquals(ratioAgainst(0.93, 1), "0.93");
  assertEquals(ratioAgainst(0.9962, null), "1.00");
  assertEquals(ratioAgainst(NaN, 1), "n/a");
});

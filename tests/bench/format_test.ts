import { assertEquals } from "jsr:@std/assert@^1";
import {
  halfWidth,
  middleHalfWidth,
  ratioAgainst,
} from "../../bench/format.ts";

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

Deno.test("middleHalfWidth() spans the middle half, whatever the strays", () => {
  // Quartiles 0.75 and 1.25, in any order: ±25 % of a median of 1.
  assertEquals(middleHalfWidth([4, 0.5, 1, 1.25, 0.75], 1), 0.25);
  // Between two values, a quartile is interpolated: 1.75 and 3.25 of 1 to 4.
  assertEquals(middleHalfWidth([1, 2, 3, 4], 2.5), 0.3);
  assertEquals(middleHalfWidth([], 1), NaN);
});

Deno.test("middleHalfWidth() does not widen with more values, as halfWidth() does", () => {
  // The same spread of values, taken 5 times and 29 times (a stray each).
  const few = [0.8, 0.9, 1, 1.1, 1.2];
  const many = Array.from({ length: 29 }, (_, i) => 0.8 + 0.4 * i / 28);
  many[0] = 0.5;
  many[28] = 1.5;
  const width = (values: number[]) => middleHalfWidth(values, 1);
  const whole = (values: number[]) =>
    halfWidth({
      median: 1,
      min: Math.min(...values),
      max: Math.max(...values),
    });
  assertEquals(width(few).toFixed(3), width(many).toFixed(3));
  assertEquals([whole(few).toFixed(2), whole(many).toFixed(2)], [
    "0.20",
    "0.50",
  ]);
});

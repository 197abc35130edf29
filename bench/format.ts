/**
 * How the benchmark shows a figure: with 2 or 3 significant digits, since
 * the figures move by more than that from run to run. Used by `bench.ts` for
 * its table and by the performance page, so both show the same text and
 * reach the same verdict on the load generator.
 *
 * Plain TypeScript with no Deno API, so that the site's build can import it.
 *
 * @module
 */

/** A median with the lowest and highest value it was taken from. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/**
 * Rounds to `digits` significant digits and groups thousands.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { sig } from "./format.ts";
 *
 * assertEquals(sig(112_103), "112,000");
 * assertEquals(sig(9.434, 2), "9.4");
 * ```
 *
 * @param value The figure.
 * @param digits How many significant digits, 3 by default.
 * @returns The text, or `n/a` for a missing figure.
 */
export function sig(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return "n/a";
  }
  if (value === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return Number(value.toPrecision(digits)).toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/**
 * Shows a ratio with two decimals: `0.59`, `1.33`.
 *
 * @param value The ratio.
 * @returns The text, or `n/a`.
 */
export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? "n/a"
    : value.toFixed(2);
}

/**
 * Shows a ratio held against its target: as {@linkcode ratio} does, except
 * where two decimals would round a miss up to the target; then it shows three,
 * cut rather than rounded, so that a missed target never reads as met.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { ratioAgainst } from "./format.ts";
 *
 * assertEquals(ratioAgainst(0.9962, 1), "0.996");
 * assertEquals(ratioAgainst(1.004, 1), "1.00");
 * ```
 *
 * @param value The ratio.
 * @param target The least it should be, or null for none.
 * @returns The text, or `n/a`.
 */
export function ratioAgainst(value: number, target: number | null): string {
  const shown = ratio(value);
  if (target === null || value >= target || shown !== ratio(target)) {
    return shown;
  }
  return (Math.floor(value * 1000) / 1000).toFixed(3);
}

/**
 * Shows the lowest and highest value of a spread, `109,000–115,000`.
 *
 * @param spread The spread.
 * @param show How to show each end, {@linkcode sig} by default.
 * @returns The text.
 */
export function range(
  spread: Spread | null | undefined,
  show: (value: number) => string = (value) => sig(value),
): string {
  return spread ? `${show(spread.min)}–${show(spread.max)}` : "n/a";
}

/**
 * How far a spread reaches either side of its median, as a share of it:
 * `(max - min) / 2 / median`.
 *
 * @param spread The spread.
 * @returns The half-width, such as 0.03 for ±3 %.
 */
export function halfWidth(spread: Spread): number {
  return (spread.max - spread.min) / 2 / spread.median;
}

/**
 * How far the middle half of `values` reaches either side of `median`, as a
 * share of it: half the distance between the lower and the upper quartile
 * (interpolated between the two nearest values), over the median. Unlike
 * {@linkcode halfWidth}, it does not widen as more values are taken, so 30
 * pairs and 5 rounds can be set side by side.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { middleHalfWidth } from "./format.ts";
 *
 * // Quartiles 0.75 and 1.25 around a median of 1: ±25 %, whatever the 4.
 * assertEquals(middleHalfWidth([4, 0.5, 1, 1.25, 0.75], 1), 0.25);
 * ```
 *
 * @param values The values, in any order.
 * @param median Their median.
 * @returns The half-width, such as 0.03 for ±3 %; NaN with no values.
 */
export function middleHalfWidth(values: number[], median: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const quartile = (share: number) => {
    const at = (sorted.length - 1) * share;
    const below = sorted[Math.floor(at)];
    return below + (sorted[Math.ceil(at)] - below) * (at - Math.floor(at));
  };
  return (quartile(0.75) - quartile(0.25)) / 2 / median;
}

/**
 * The load generator's ceiling: the server it drove to the most replies in
 * a round, the best round of any other, and whether that stayed more than
 * 10 % below, so that the load generator held back no other server.
 *
 * @example
 * ```ts
 * import { assertEquals } from "jsr:@std/assert@^1";
 * import { loadCeiling } from "./format.ts";
 *
 * const at = (max: number) => ({ replies_per_s: { median: max, min: max, max } });
 * const { runnerUp, limitedNone } = loadCeiling([at(400_000), at(70_000)]);
 * assertEquals([runnerUp, limitedNone], [70_000, true]);
 * ```
 *
 * @param servers The servers of a run, each with its replies a second.
 * @returns The fastest server, the next best round, and the verdict.
 */
export function loadCeiling<T extends { replies_per_s: Spread }>(
  servers: T[],
): { fastest: T; runnerUp: number; limitedNone: boolean } {
  const fastest = servers.reduce((a, b) =>
    b.replies_per_s.max > a.replies_per_s.max ? b : a
  );
  const runnerUp = Math.max(
    ...servers.filter((s) => s !== fastest).map((s) => s.replies_per_s.max),
  );
  return {
    fastest,
    runnerUp,
    limitedNone: runnerUp < 0.9 * fastest.replies_per_s.max,
  };
}

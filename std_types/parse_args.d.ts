/** Options of `parseArgs()` that this project uses. */
export interface ParseOptions<B extends string, S extends string> {
  /** Flags that take no value. */
  boolean?: readonly B[];
  /** Flags whose value is kept as a string. */
  string?: readonly S[];
  /** Flags that may be given more than once: their values form an array. */
  collect?: readonly S[];
  /** Values of flags that are not given. */
  default?: Partial<Record<B | S, string | boolean>>;
  /** Other names for a flag, such as `{ help: "h" }`. */
  alias?: Record<string, string | readonly string[]>;
  /** Stop at the first argument that is not a flag. */
  stopEarly?: boolean;
  /**
   * Called with each argument that is not a declared flag; returning `false`
   * leaves it out of the result.
   */
  unknown?: (arg: string, key?: string, value?: unknown) => unknown;
}

/** What `parseArgs()` returns: the flags it saw and the positional arguments. */
export type Args<B extends string, S extends string> =
  & { [K in B]: boolean }
  & { [K in S]?: string | string[] }
  & { _: Array<string | number>; [other: string]: unknown };

/** Parses command-line arguments, as `jsr:@std/cli/parse-args` does. */
export function parseArgs<
  const B extends string = never,
  const S extends string = never,
>(args: readonly string[], options?: ParseOptions<B, S>): Args<B, S>;

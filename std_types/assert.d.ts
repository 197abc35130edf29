/** Error thrown when an assertion fails. */
export class AssertionError extends Error {
  constructor(message: string);
}
/** Asserts that `expr` is truthy. */
export function assert(expr: unknown, msg?: string): asserts expr;
/** Asserts that `actual` and `expected` are deeply equal. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void;
/** Asserts that `actual` and `expected` are not deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void;
/** Asserts that `actual` is neither `null` nor `undefined`. */
export function assertExists<T>(
  actual: T,
  msg?: string,
): asserts actual is NonNullable<T>;
/** Asserts that `actual` matches the regular expression `expected`. */
export function assertMatch(
  actual: string,
  expected: RegExp,
  msg?: string,
): void;
/** Asserts that `actual` does not match the regular expression `expected`. */
export function assertNotMatch(
  actual: string,
  expected: RegExp,
  msg?: string,
): void;
/** Asserts that the string `actual` contains `expected`. */
export function assertStringIncludes(
  actual: string,
  expected: string,
  msg?: string,
): void;
/** Asserts that `actual` is greater than `expected`. */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void;
/** Asserts that `actual` is less than `expected`. */
export function assertLess<T>(actual: T, expected: T, msg?: string): void;
/** Asserts that `actual` is less than or equal to `expected`. */
export function assertLessOrEqual<T>(
  actual: T,
  expected: T,
  msg?: string,
): void;
/** Asserts that `actual` is greater than or equal to `expected`. */
export function assertGreaterOrEqual<T>(
  actual: T,
  expected: T,
  msg?: string,
): void;
/** Asserts that `fn` throws an error of class `ErrorClass` whose message includes `msgIncludes`. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): E;
/** Asserts that the promise from `fn` rejects with `ErrorClass` and a message including `msgIncludes`. */
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass?: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
/** Throws an `AssertionError` with `msg`. */
export function fail(msg?: string): never;

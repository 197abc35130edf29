/**
 * `@std/fmt/colors` from the npm package `deno-std`, with our declarations attached.
 *
 * @module
 */
// @ts-types="./colors.d.ts"
export * from "npm:deno-std@1.4.0/fmt/colors.js";

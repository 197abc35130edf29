/** Turns colour output on or off. */
export function setColorEnabled(value: boolean): void;
/** Whether colour output is on. */
export function getColorEnabled(): boolean;
/** Makes text bold. */
export function bold(str: string): string;
/** Makes text dim. */
export function dim(str: string): string;
/** Makes text red. */
export function red(str: string): string;
/** Makes text green. */
export function green(str: string): string;
/** Makes text yellow. */
export function yellow(str: string): string;
/** Makes text cyan. */
export function cyan(str: string): string;
/** Removes ANSI colour codes from text. */
export function stripAnsiCode(string: string): string;

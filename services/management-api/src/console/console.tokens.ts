/** Injection token of the console's static root folder (null when the files are not installed). */
export const CONSOLE_ROOT = Symbol('CONSOLE_ROOT');

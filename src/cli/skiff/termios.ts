// A terminal's raw mode as docker's CLI sets it (moby/term MakeRaw, which is cfmakeraw(3)): no
// echo, no line editing, no signals from keys, and no output processing either, so that a
// container's "\r\n" reaches the screen as it is. Node's and Bun's setRawMode keep ONLCR on
// (libuv's raw mode), which turns every "\r\n" into "\r\r\n". tcgetattr/cfmakeraw/tcsetattr are
// called in libc through bun:ffi; libc is opened on first use. isatty is here too: node:tty's costs
// every command that imports it ~16 ms of start-up (it loads node:net and the streams), and most
// commands ask only when a flag says so (-t), if at all.
import type * as Ffi from "bun:ffi";

const SYMBOLS = {
  isatty: { args: ["i32"], returns: "i32" },
  tcgetattr: { args: ["i32", "ptr"], returns: "i32" },
  tcsetattr: { args: ["i32", "i32", "ptr"], returns: "i32" },
  cfmakeraw: { args: ["ptr"], returns: "void" },
} as const satisfies Record<string, Ffi.FFIFunction>;

/** sizeof(struct termios) on Linux is 60; room to spare. */
const TERMIOS_SIZE = 128;
const TCSANOW = 0;

let libc: Ffi.Library<typeof SYMBOLS>["symbols"] | undefined;
let ptrOf: typeof Ffi.ptr | undefined;

function lib() {
  if (!libc) {
    const ffi = require("bun:ffi") as typeof Ffi;
    ptrOf = ffi.ptr;
    libc = ffi.dlopen("libc.so.6", SYMBOLS).symbols;
  }
  return libc;
}

/** isatty(3): whether `fd` is a terminal (false too when libc cannot be reached). */
export function isatty(fd: number): boolean {
  try {
    return lib().isatty(fd) === 1;
  } catch {
    return false;
  }
}

/**
 * Puts the terminal on `fd` in raw mode; returns the function that puts its settings back, or
 * undefined when `fd` is no terminal (or libc cannot be reached).
 */
export function makeRaw(fd: number): (() => void) | undefined {
  let c: ReturnType<typeof lib>;
  try {
    c = lib();
  } catch {
    return undefined;
  }
  const saved = new Uint8Array(TERMIOS_SIZE);
  if (c.tcgetattr(fd, ptrOf!(saved)) !== 0) return undefined;
  const raw = saved.slice();
  c.cfmakeraw(ptrOf!(raw));
  if (c.tcsetattr(fd, TCSANOW, ptrOf!(raw)) !== 0) return undefined;
  return () => void c.tcsetattr(fd, TCSANOW, ptrOf!(saved));
}

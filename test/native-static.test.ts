// The C executables are static: skiff-exec runs at every container launch (a dynamic glibc one spent
// ~1.3 ms of CPU in the loader before its first step), skiff-monitor stays beside every container,
// and skiff-init runs inside images whatever libc they have. An ELF program with an interpreter
// (PT_INTERP) is dynamically linked.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const PT_INTERP = 3;

/** The ELF64 little-endian program header types of `path`. */
function programHeaderTypes(path: string): number[] {
  const b = readFileSync(path);
  expect([...b.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  expect(b[4]).toBe(2); // ELFCLASS64
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  return Array.from({ length: phnum }, (_, i) => b.readUInt32LE(phoff + i * phentsize));
}

for (const name of ["skiff-exec", "skiff-monitor", "skiff-init"]) {
  test(`bin/${name} is linked statically (no ELF interpreter)`, () => {
    const types = programHeaderTypes(join(import.meta.dir, "../bin", name));
    expect(types.length).toBeGreaterThan(0);
    expect(types).not.toContain(PT_INTERP);
  });
}

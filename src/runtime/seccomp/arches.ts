// The architectures a seccomp filter can name: their AUDIT_ARCH value (what the kernel puts in
// seccomp_data.arch, include/uapi/linux/audit.h), word size, and syscall table.
import { SYSCALL_TABLES } from "./syscalls-table.ts";

export type SeccompArch = "x86_64" | "x32" | "i386" | "aarch64" | "arm";

export interface ArchInfo {
  /** seccomp_data.arch for this ABI. x32 shares x86_64's value and is told apart by the syscall number. */
  audit: number;
  /** Argument width libseccomp compares: 32-bit ABIs compare only the low half of each argument. */
  bits: 32 | 64;
  /** Added to every table number: x32 numbers carry __X32_SYSCALL_BIT. */
  nrBase: number;
  /**
   * Old syscalls numbered above the main sequence (table numbers, without nrBase): x32's own
   * entry points for calls with compat arguments (512-547) and arm's private calls (0xf0000 on).
   * Being named does not make a profile "newer" than the calls after its last one, and new
   * calls are never numbered in these blocks.
   */
  oldBlock?: readonly [start: number, end: number];
}

export const X32_SYSCALL_BIT = 0x40000000;

export const ARCHES: Record<SeccompArch, ArchInfo> = {
  x86_64: { audit: 0xc000003e, bits: 64, nrBase: 0 },
  // libseccomp treats x32 as a 32-bit ABI (ARCH_SIZE_32) although the kernel reports AUDIT_ARCH_X86_64.
  x32: { audit: 0xc000003e, bits: 32, nrBase: X32_SYSCALL_BIT, oldBlock: [512, 548] },
  i386: { audit: 0x40000003, bits: 32, nrBase: 0 },
  aarch64: { audit: 0xc00000b7, bits: 64, nrBase: 0 },
  arm: { audit: 0x40000028, bits: 32, nrBase: 0, oldBlock: [0xf0000, 0xf0800] },
};

/** OCI / libseccomp architecture names → ours. */
export const OCI_ARCHES: Record<string, SeccompArch> = {
  SCMP_ARCH_X86_64: "x86_64",
  SCMP_ARCH_X32: "x32",
  SCMP_ARCH_X86: "i386",
  SCMP_ARCH_AARCH64: "aarch64",
  SCMP_ARCH_ARM: "arm",
};

/**
 * Architectures libseccomp knows but no Linux kernel that runs x86 or arm code ever reports: a process
 * on this kernel cannot make a call under them, so a filter loses nothing by leaving them out. They are
 * accepted (profiles such as Docker's list every architecture of a family) and reported as skipped.
 */
export const FOREIGN_OCI_ARCHES = new Set([
  "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
]);

const parsed = new Map<SeccompArch, Map<string, number>>();

/** The syscall table of an architecture, parsed from its compact string on first use. */
export function syscallTable(arch: SeccompArch): ReadonlyMap<string, number> {
  let table = parsed.get(arch);
  if (!table) {
    table = new Map();
    const base = ARCHES[arch].nrBase;
    for (const pair of (SYSCALL_TABLES[arch] ?? "").split(",")) {
      const colon = pair.indexOf(":");
      table.set(pair.slice(0, colon), base + Number(pair.slice(colon + 1)));
    }
    parsed.set(arch, table);
  }
  return table;
}

/** Whether a syscall number (nrBase included) lies in the architecture's block of old calls. */
export function inOldBlock(arch: SeccompArch, nr: number): boolean {
  const { oldBlock, nrBase } = ARCHES[arch];
  return !!oldBlock && nr >= nrBase + oldBlock[0] && nr < nrBase + oldBlock[1];
}

/** The number of a syscall on an architecture (x32 numbers include the x32 bit), or undefined. */
export const syscallNumber = (arch: SeccompArch, name: string): number | undefined => syscallTable(arch).get(name);

/** The architecture this process runs as, in our terms, for callers that compile for the host. */
export function hostArch(): SeccompArch {
  switch (process.arch) {
    case "x64": return "x86_64";
    case "arm64": return "aarch64";
    case "ia32": return "i386";
    case "arm": return "arm";
    default: throw new Error(`seccomp: unsupported host architecture ${process.arch}`);
  }
}

// linux.namespaces → which namespaces to join (by path) and which to create (clone flags).
import { invalid } from "../../common/errors.ts";
import type { Namespace } from "../../oci/runtime-config.ts";

export const CLONE: Record<string, number> = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  time: 0x00000080,
};

/** Join order: the user namespace first, so that the rest are joined with its privileges. */
const JOIN_ORDER = ["user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount"];

export interface NamespacePlan {
  /** Types created new. */
  created: Set<string>;
  /** Existing namespaces to join, in join order. */
  joined: { type: string; path: string }[];
  /** Types the container has of its own (created or joined). */
  has: (type: string) => boolean;
  isNew: (type: string) => boolean;
}

export function planNamespaces(namespaces: readonly Namespace[]): NamespacePlan {
  const created = new Set<string>();
  const joined: { type: string; path: string }[] = [];
  const seen = new Set<string>();
  namespaces.forEach((ns, i) => {
    if (!(ns.type in CLONE))
      throw invalid("runtime", "RUNTIME_UNKNOWN_NAMESPACE", `read linux.namespaces[${i}]: unknown namespace type "${ns.type}"`, `use one of ${Object.keys(CLONE).join(", ")}`, { field: `linux.namespaces[${i}]` });
    if (seen.has(ns.type)) throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `read linux.namespaces[${i}]: namespace "${ns.type}" is listed twice`, "list each namespace type once");
    seen.add(ns.type);
    if (ns.path) joined.push({ type: ns.type, path: ns.path });
    else created.add(ns.type);
  });
  joined.sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  return { created, joined, has: (t) => seen.has(t), isNew: (t) => created.has(t) };
}

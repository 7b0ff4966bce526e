// The shape of a doctor finding as GET /skiff/doctor sends it (engine/host/check.ts on the
// daemon's side), and how skiff doctor prints a list of them: grouped by area, each a status, a
// name and what was found, with what a missing piece breaks and the hint below it.

export interface HostCheck {
  area: string;
  name: string;
  status: "ok" | "warning" | "missing";
  found: string;
  breaks?: string;
  hint?: string;
  needed?: boolean;
}

const AREA_TITLES: Record<string, string> = {
  daemon: "Daemon",
  kernel: "Kernel",
  namespaces: "Namespaces",
  cgroups: "Cgroups",
  filesystems: "File systems",
  security: "Security",
  limits: "Limits",
  networking: "Networking",
  storage: "Storage",
};

const MARK = { ok: "ok", warning: "WARNING", missing: "MISSING" } as const;

export function renderChecks(checks: HostCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const out: string[] = [];
  let area = "";
  for (const c of checks) {
    if (c.area !== area) {
      area = c.area;
      out.push(`${out.length ? "\n" : ""}${AREA_TITLES[area] ?? area}`);
    }
    out.push(`  ${MARK[c.status].padEnd(8)} ${c.name.padEnd(width)}  ${c.found}`);
    const indent = " ".repeat(13 + width);
    if (c.status !== "ok" && c.breaks) out.push(`${indent}breaks: ${c.breaks}`);
    if (c.status !== "ok" && c.hint) out.push(`${indent}hint: ${c.hint}`);
  }
  const missing = checks.filter((c) => c.status === "missing");
  const warnings = checks.filter((c) => c.status === "warning").length;
  const needed = missing.filter((c) => c.needed).length;
  out.push(
    "",
    missing.length || warnings
      ? `${missing.length} missing${needed ? ` (${needed} needed to run containers)` : ""}, ${warnings} warning${warnings === 1 ? "" : "s"}`
      : "Everything skiff uses is here.",
  );
  return out.join("\n") + "\n";
}

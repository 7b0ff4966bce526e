// Benchmark: `podman run --rm IMAGE true` with --runtime skiff-oci against --runtime runc (and
// crun where it runs), side by side in one run (hyperfine), printing medians and ratios.
//   sudo node_modules/.bin/bun bench/podman-run.ts [--runs N]
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PODMAN_IMAGE, Podman } from "../test/harness/engines.ts";
import { SKIFF_OCI } from "../test/harness/oci.ts";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 15;
const podman = Podman.start();
try {
  const runtimes: Record<string, string> = { "skiff-oci": SKIFF_OCI, runc: "/usr/sbin/runc", crun: "/usr/bin/crun" };
  const usable = Object.entries(runtimes).filter(([name, path]) => {
    const r = podman.cmd(["run", "--rm", ...podman.runArgs(path), PODMAN_IMAGE, "true"]);
    if (r.code !== 0) console.log(`(${name} left out: ${r.stderr.trim().split("\n").pop()})`);
    return r.code === 0;
  });
  const out = join(podman.dir, "hf.json");
  const commands = usable.map(([, path]) => podman.commandLine(["run", "--rm", ...podman.runArgs(path), PODMAN_IMAGE, "true"]));
  const hf = spawnSync("hyperfine", ["--style", "none", "-w", "2", "-r", String(runs), "--export-json", out, ...commands], { encoding: "utf8" });
  if (hf.status !== 0) throw new Error(hf.stderr);
  const medians = (JSON.parse(readFileSync(out, "utf8")).results as { times: number[] }[]).map((r) => [...r.times].sort((a, b) => a - b)[Math.floor(r.times.length / 2)]! * 1000);
  const skiff = medians[0]!;
  console.log(`podman run --rm ${PODMAN_IMAGE} true, median of ${runs}:`);
  usable.forEach(([name], i) => console.log(`  --runtime ${name.padEnd(10)} ${medians[i]!.toFixed(1)} ms${i ? `   skiff-oci / ${name} = ${(skiff / medians[i]!).toFixed(2)}×` : ""}`));
} finally {
  await podman.stop();
}

// Network devices the engine removes itself: a removed network's bridge (the bridge plugin makes
// bridges and never removes them). Done by iproute2's `ip`, which every Debian system has.
import { SkiffError } from "../../common/errors.ts";
import { isDeviceName } from "../../common/net-device.ts";


/** Removes the device if it is there; a device that is not there is no failure. */
export function removeLink(name: string): void {
  if (!isDeviceName(name)) throw new Error(`removeLink: ${JSON.stringify(name)} is not a device name`);
  const r = Bun.spawnSync(["ip", "link", "delete", "dev", name], { stderr: "pipe", stdout: "ignore" });
  if (r.exitCode === 0) return;
  const why = r.stderr.toString().trim();
  if (/Cannot find device|does not exist/i.test(why)) return;
  throw new SkiffError({ layer: "kernel", code: "ENGINE_NETWORK_LINK_REMOVE_FAILED", kind: "internal", message: `remove network device ${name}: ${why || `ip exited with ${r.exitCode}`}`, hint: `see it with \`ip link show ${name}\`; remove it with \`ip link delete ${name}\`` });
}

/** Puts a device on a bridge again (a veth whose bridge was deleted and made anew); false when it is gone. */
export function setMaster(device: string, bridge: string): boolean {
  if (!isDeviceName(device) || !isDeviceName(bridge)) throw new Error(`setMaster: ${JSON.stringify(device)} or ${JSON.stringify(bridge)} is not a device name`);
  return Bun.spawnSync(["ip", "link", "set", "dev", device, "master", bridge], { stderr: "ignore", stdout: "ignore" }).exitCode === 0;
}

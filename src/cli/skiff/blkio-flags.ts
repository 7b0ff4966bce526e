// --blkio-weight-device and --device-read/write-bps/iops as docker's CLI reads them
// ("/dev/sda:200", "/dev/sda:1mb", "/dev/sda:1000"), with its words for a value it refuses.
import { badOption, ramInBytes } from "./container-values.ts";

export interface WeightDevice {
  Path: string;
  Weight: number;
}
export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

function split(value: string): [string, string] {
  const parts = value.split(":");
  if (parts.length !== 2) throw badOption(`bad format: ${value}`, "give DEVICE:VALUE, such as /dev/sda:1mb");
  if (!parts[0]!.startsWith("/dev/")) throw badOption(`bad format for device path: ${value}`, "the device is a path under /dev/, such as /dev/sda");
  return parts as [string, string];
}

export function weightDevice(value: string): WeightDevice {
  const [path, w] = split(value);
  const weight = /^\d+$/.test(w) ? Number(w) : NaN;
  if (!(weight <= 65535)) throw badOption(`invalid weight for device: ${value}`, "give a weight of 10 to 1000");
  if (weight > 0 && (weight < 10 || weight > 1000)) throw badOption(`invalid weight for device: ${value}`, "give a weight of 10 to 1000");
  return { Path: path, Weight: weight };
}

export function throttleBps(value: string): ThrottleDevice {
  const [path, r] = split(value);
  const rate = ramInBytes(r);
  if (typeof rate === "string" || rate < 0)
    throw badOption(`invalid rate for device: ${value}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`, "such as /dev/sda:1mb");
  return { Path: path, Rate: rate };
}

export function throttleIOps(value: string): ThrottleDevice {
  const [path, r] = split(value);
  if (!/^\d+$/.test(r) || !Number.isSafeInteger(Number(r))) throw badOption(`invalid rate for device: ${value}. The correct format is <device-path>:<number>. Number must be a positive integer`, "such as /dev/sda:1000");
  return { Path: path, Rate: Number(r) };
}

// Where runc 1.1.5 (Debian's, the reference) and skiff-oci differ on purpose, named one by one.
// A generated config runs under runc adapted to what runc 1.1 can do (when runc cannot run it at
// all), and runc's report is rewritten to what the runtime spec (and runc 1.2 or crun) shows, so
// that everything else is still compared. A config a difference applies to is counted under its
// name: nothing is skipped in silence.
import type { Recipe } from "./config-gen.ts";
import type { Config } from "./oci.ts";
import type { Report } from "./probe.ts";

export interface KnownDifference {
  name: string;
  applies(r: Recipe): boolean;
  /** The config runc gets instead of the generated one. */
  adaptRunc?(c: Config, r: Recipe): void;
  /** runc's report rewritten to what skiff-oci shows for the generated config. */
  rewriteRunc?(report: Report, r: Recipe): Report;
  /** The one runtime that may not run the config while the other runs it. */
  mayFail?(r: Recipe): "runc" | "skiff" | undefined;
}

const mapSection = (report: Report, section: string, f: (line: string) => string): Report => ({ ...report, [section]: (report[section] ?? []).map(f) });

/** The propagation tags of the root mount's line ("/ <rootfs> opts [tags] ...") replaced. */
const rootTags = (report: Report, tags: string) => mapSection(report, "mounts", (l) => (l.startsWith("/ ") ? l.replace(/ \[[^\]]*\] /, ` [${tags}] `) : l));

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    // runc 1.1.5 bind-mounts each cgroup v1 hierarchy read-only under an "ro" cgroup mount but never
    // remounts the tmpfs that holds them (strace shows no remount), although its code means to.
    // The spec asks for the mount to be read-only, and skiff-oci does that.
    name: "cgroup-tmpfs-read-only",
    applies: () => true,
    rewriteRunc: (r) => mapSection(r, "mounts", (l) => (/^\/sys\/fs\/cgroup \/ \S*\brw\b.* tmpfs tmpfs /.test(l) ? l.replace(/\brw\b/g, "ro") : l)),
  },
  {
    // runc 1.1 gives poststart hooks the state it reads at that moment, "created" while its init
    // has not yet called execve (here it always has not); the process is started by then, and
    // skiff-oci says "running".
    name: "hook-status-poststart",
    applies: (r) => !!r.hooks.poststart,
    rewriteRunc: (r) => mapSection(r, "hooks", (l) => (l.startsWith("poststart.") ? l.replace(" status=created ", " status=running ") : l)),
  },
  {
    // In a cgroup namespace runc 1.1 mounts the named hierarchy name=systemd with "systemd" as
    // its source, the others with "cgroup"; skiff-oci names every one "cgroup". The source of a
    // cgroup mount is a free label the kernel only shows.
    name: "cgroupns-systemd-source",
    applies: (r) => r.namespaces.cgroup !== "absent",
    rewriteRunc: (r) => mapSection(r, "mounts", (l) => l.replace(/ cgroup systemd name=systemd,/, " cgroup cgroup name=systemd,")),
  },
  {
    // runc 1.1 goes on after loading the filter: without no_new_privs it loads it before setting
    // capabilities, groups, ids, the cwd, closing fds and opening the exec fifo; in every case
    // before startContainer hooks (a Go fork and exec) and with Go's runtime running. A profile
    // that takes out calls it needs there stops runc ("pipe2: operation not permitted"), while
    // skiff-oci loads it just before execve (issue 9). Only runc may fail for this reason.
    name: "runc-calls-after-seccomp",
    applies: (r) => !!r.seccomp?.names.length,
    mayFail: () => "runc",
  },
  {
    // runc 1.1 refuses masked and read-only paths without a mount namespace of the container's own
    // ("unable to restrict sys entries"); the runtime spec has a config without one inherit the
    // caller's, and skiff-oci masks the paths inside the rootfs there (issue 9).
    name: "no-mount-namespace-masks",
    applies: (r) => r.namespaces.mount === "absent",
    mayFail: () => "runc",
  },
  {
    // runc 1.1 passes status "creating" to the hooks that run before start; the runtime spec's
    // state is "created" once the environment exists, as crun passes and skiff-oci does.
    name: "hook-status-created",
    applies: (r) => ["prestart", "createRuntime", "createContainer", "startContainer"].some((k) => r.hooks[k as keyof Recipe["hooks"]]),
    rewriteRunc: (r) => mapSection(r, "hooks", (l) => l.replace(" status=creating ", " status=created ")),
  },
  {
    // Debian's runc 1.1.5 refuses any linux.seccomp.flags ("seccomp flags are not yet supported by
    // runc"); the flags generated (LOG, SPEC_ALLOW) change nothing the probe sees, so runc runs
    // the profile without them.
    name: "seccomp-flags",
    applies: (r) => !!r.seccomp?.flags?.length,
    adaptRunc: (c) => delete c.linux.seccomp.flags,
  },
  {
    // runc 1.1 does not know the time namespace (runtime-spec 1.1; runc 1.2 supports it): runc runs
    // the config without it, and its report says what skiff-oci's does.
    name: "time-namespace",
    applies: (r) => r.namespaces.time !== "absent",
    adaptRunc: (c) => (c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== "time")),
    rewriteRunc: (report, r) => mapSection(report, "namespaces", (l) => (l === "time: host" ? `time: ${r.namespaces.time}` : l)),
  },
  {
    // runc 1.1 makes the rootfs's mount unbindable before binding it onto itself, which the
    // kernel refuses (EINVAL), so it runs no config with an unbindable root. skiff-oci sets the
    // mode after pivot_root, unbindable last: runc runs the private mode, and the root (with
    // runbindable every mount) reads unbindable.
    name: "rootfs-unbindable",
    applies: (r) => r.rootfsPropagation === "unbindable" || r.rootfsPropagation === "runbindable",
    adaptRunc: (c, r) => (c.linux.rootfsPropagation = r.rootfsPropagation === "unbindable" ? "private" : "rprivate"),
    rewriteRunc: (report, r) => (r.rootfsPropagation === "unbindable" ? rootTags(report, "unbindable") : mapSection(report, "mounts", (l) => l.replace(/ \[[^\]]*\] /, " [unbindable] "))),
  },
  {
    // runc 1.1 leaves the container's root private for shared and rshared (runc 1.2 makes it
    // shared after pivot_root, as skiff-oci does: the root, and with rshared every mount under it).
    name: "rootfs-shared",
    applies: (r) => r.rootfsPropagation === "shared" || r.rootfsPropagation === "rshared",
    rewriteRunc: (report, r) => (r.rootfsPropagation === "shared" ? rootTags(report, "shared") : mapSection(report, "mounts", (l) => l.replace(/ \[[^\]]*\] /, " [shared] "))),
  },
  {
    // runc 1.1 ignores linux domainname (runtime-spec 1.1; runc 1.2 sets it, and refuses a
    // domainname without a uts namespace of the container's own, as skiff-oci does).
    name: "domainname",
    applies: (r) => r.domainname !== undefined,
    rewriteRunc: (report, r) => mapSection(report, "uts", (l) => (l === "domainname: (none)" && r.domainname ? `domainname: ${r.domainname}` : l)),
    mayFail: (r) => (r.domainname && r.namespaces.uts === "absent" ? "skiff" : undefined),
  },
  {
    // runc 1.1 stops at the first poststop hook that fails; the runtime spec says the failure is
    // logged as a warning and the remaining hooks run, as skiff-oci does. runc gets the same
    // hooks succeeding (the log does not record success).
    name: "poststop-failure",
    applies: (r) => !!r.hooks.poststop?.some((h) => h.fail),
    adaptRunc: (c) => {
      for (const h of c.hooks.poststop) h.args = h.args.map((a: string) => (a === "fail" ? "ok" : a));
    },
  },
  {
    // A linux.devices entry at the path of one of runc's default devices (/dev/null here) makes
    // runc 1.1 drop that device's default allow rule, so under the spec's deny-all rule the
    // device cannot be opened and runc fails reopening /dev/null for the container's stdio.
    // skiff-oci keeps the default rules whatever the config creates.
    name: "default-device-in-linux-devices",
    applies: (r) => r.devices.some((d) => ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"].includes(d.path as string)),
    mayFail: () => "runc",
  },
  {
    // runc 1.1 fails start (and kills the container) when a poststart hook fails; the runtime
    // spec says the failure is logged as a warning and the lifecycle goes on, as skiff-oci does.
    // runc gets the same hooks succeeding (the log does not record success).
    name: "poststart-failure",
    applies: (r) => !!r.hooks.poststart?.some((h) => h.fail),
    adaptRunc: (c) => {
      for (const h of c.hooks.poststart) h.args = h.args.map((a: string) => (a === "fail" ? "ok" : a));
    },
  },
];

export function differencesFor(r: Recipe): KnownDifference[] {
  return KNOWN_DIFFERENCES.filter((d) => d.applies(r));
}

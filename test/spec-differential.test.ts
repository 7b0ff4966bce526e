// The container spec builder against dockerd: for each set of `docker run` options, the config.json
// Debian's dockerd (20.10) writes for containerd and the one buildContainerSpec builds from the same
// options must be equal after the normalization below; every remaining difference must be one this
// file names, with its reason, and each is printed.
//
// Normalization (written down, applied to both sides unless said):
//  1. Our builder is given dockerd's own host paths (root.path, the resolv.conf/hostname/hosts files
//     under its data root, /usr/bin/docker-init) and dockerd's cgroup parent "/docker", and the same
//     container id: ids, those paths and the cgroupsPath prefix need no rewriting.
//  2. Empty lists and objects are dropped (Go's omitempty leaves them out; we write them).
//  3. Capabilities: ours lose CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE (Linux 5.8/5.9, newer
//     than Debian's dockerd 20.10, which does not know them; docker 23 and later grant them with
//     ALL and --privileged as we do); dockerd's lists lose repeats (20.10 lists a cap added twice).
//  4. additionalGids are compared as sets: dockerd lists the primary group twice when /etc/group
//     also names the user in it; setgroups(2) sees one set.
//  5. User mounts of equal depth are compared in destination order: dockerd takes binds from a Go
//     map, so their order among equals changes from run to run.
//  6. rlimits are compared in type order (dockerd takes --ulimit through a map).
//  7. dockerd's prestart hook "libnetwork-setkey" is dropped: it is docker's networking (skiff sets
//     up networks without hooks).
//  8. --network host: dockerd joins the host's network namespace by a path (<exec-root>/netns/default,
//     a bind mount of its own); ours has no network namespace entry and so stays in the host's: the
//     entry with a path is dropped.
// 11. Capabilities the daemon does not hold: dockerd asks for every capability the kernel knows with
//     --privileged and ALL, and such a container cannot start where its bounding set lacks one (root
//     here lacks CAP_SYS_RESOURCE); skiffd grants only those it holds (spec/capabilities.ts). Our
//     builder is told it holds them all.
// 10. -e order: Debian's docker 20.10 client does not always keep the order of -e flags (it sent
//     "-e FOO=bar -e A=1 -e B=2" as A, B, FOO once), so the builder is given the run's variables
//     in the order the daemon received them (docker inspect's Config.Env).
//  9. seccomp is compared by meaning: defaultAction, defaultErrnoRet (absent means EPERM, 1),
//     architectures, and for each syscall name the set of rules naming it (action, errnoRet, args;
//     valueTwo 0 as absent). Debian's dockerd carries docker 20.10's profile and we carry current
//     docker's (src/engine/containers/spec/seccomp-default.ts): the names that differ are listed in
//     PROFILE_DIFFERENCES with their reason; any other is a failure.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildContainerSpec, readHostFacts, type ContainerOptions, type SpecHost } from "../src/engine/containers/spec/index.ts";
import { buildTar } from "../src/engine/archive/index.ts";
import type { ContainerDefaults } from "../src/oci/image/image-config.ts";
import { dockerdInstalled, startDockerd, type Dockerd } from "./harness/dockerd.ts";
import { specDifferences, type Json } from "./harness/spec-compare.ts";

const installed = dockerdInstalled();
if (!installed) console.log("spec-differential: skipped: Debian's dockerd (/usr/sbin/dockerd, package docker.io) or its client /usr/bin/docker is not installed");

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/sh\napp:x:40:40:app:/home/app:/bin/sh\n";
const GROUP = "root:x:0:\nwww:x:33:\nstaff:x:50:www,app\napp:x:40:app\n";
const FILES: Record<string, string> = { "/etc/passwd": PASSWD, "/etc/group": GROUP };

/** The two images: their config as `docker import -c` makes it, and as our builder reads it. */
const IMAGES: Record<string, { changes: string[]; config: ContainerDefaults }> = {
  "skiff-spec:plain": { changes: ['CMD ["sh"]'], config: { Env: [], Cmd: ["sh"], ExposedPorts: [], Volumes: [], Labels: {} } },
  "skiff-spec:env": {
    changes: ["ENV PATH=/bin X=1", 'ENTRYPOINT ["/bin/sh","-c"]', 'CMD ["echo hi"]', "WORKDIR /etc"],
    config: { Env: ["PATH=/bin", "X=1"], Entrypoint: ["/bin/sh", "-c"], Cmd: ["echo hi"], WorkingDir: "/etc", ExposedPorts: [], Volumes: [], Labels: {} },
  },
};

interface Case {
  name: string;
  /** `docker create` arguments before the image. */
  docker: string[];
  options: ContainerOptions;
  image?: keyof typeof IMAGES;
  /** Arguments after the image (ours: options.cmd). */
  cmd?: string[];
  /** Differences this case keeps on purpose: path → why. */
  intended?: Record<string, string>;
}

const M = 1024 * 1024;
const ALL_CAPS_SECCOMP = { "linux.seccomp.syscalls[bpf]": "CAP_BPF (Linux 5.8) opens bpf; Debian's dockerd does not know CAP_BPF", "linux.seccomp.syscalls[perf_event_open]": "CAP_PERFMON (Linux 5.8) opens perf_event_open; Debian's dockerd does not know it", "linux.seccomp.syscalls[clock_settime64]": "current docker opens clock_settime64 with CAP_SYS_TIME; 20.10's list predates it", "linux.seccomp.syscalls[set_mempolicy_home_node]": "current docker opens set_mempolicy_home_node (Linux 5.17) with CAP_SYS_NICE" };

let hostDir = "";
const CASES = (): Case[] => [
  { name: "no options", docker: [], options: {}, cmd: ["true"] },
  { name: "an image's Entrypoint, Cmd, Env and WorkingDir", docker: [], options: {}, image: "skiff-spec:env" },
  { name: "-e, --env-file (resolved), -w, -u name", docker: ["-e", "FOO=bar", "-e", "A=1", "-e", "B=two words", "-w", "/tmp", "-u", "www"], options: { env: ["FOO=bar", "A=1", "B=two words"], workingDir: "/tmp", user: "www" }, cmd: ["true"] },
  { name: "-e before the image's Env; -e NAME alone unsets it", docker: ["-e", "Y=3", "-e", "X"], options: { env: ["Y=3", "X"] }, image: "skiff-spec:env" },
  { name: "-e replaces the image's PATH, X and HOSTNAME in place; -t adds TERM", docker: ["-e", "X=2", "-e", "PATH=/usr/bin", "-e", "HOSTNAME=h2", "-t"], options: { env: ["X=2", "PATH=/usr/bin", "HOSTNAME=h2"], tty: true }, image: "skiff-spec:env" },
  { name: "-u name:group", docker: ["-u", "www:staff"], options: { user: "www:staff" }, cmd: ["true"] },
  { name: "-u uid:gid unknown to the image", docker: ["-u", "1000:1000"], options: { user: "1000:1000" }, cmd: ["true"] },
  { name: "-u a user named in its own group", docker: ["-u", "app"], options: { user: "app" }, image: "skiff-spec:env" },
  { name: "-u a numeric uid of the image", docker: ["-u", "33"], options: { user: "33" }, image: "skiff-spec:env" },
  { name: "-u 0:50", docker: ["-u", "0:50"], options: { user: "0:50" }, cmd: ["true"] },
  { name: "--entrypoint drops the image's Cmd", docker: ["--entrypoint", "/bin/echo"], options: { entrypoint: ["/bin/echo"] }, image: "skiff-spec:env" },
  { name: '--entrypoint "" with a command', docker: ["--entrypoint", ""], options: { entrypoint: [] }, image: "skiff-spec:env", cmd: ["ls"] },
  { name: "--read-only and --tmpfs with options", docker: ["--read-only", "--tmpfs", "/run", "--tmpfs", "/tmp:rw,size=65536k,mode=1777"], options: { readOnly: true, tmpfs: [{ destination: "/run", options: "" }, { destination: "/tmp", options: "rw,size=65536k,mode=1777" }] }, cmd: ["true"] },
  { name: "--tmpfs merging options, and over /dev/shm", docker: ["--tmpfs", "/x:exec,size=1m,noexec,size=2m,ro,mode=700,uid=1000,nr_inodes=10", "--tmpfs", "/dev/shm:size=1m"], options: { tmpfs: [{ destination: "/x", options: "exec,size=1m,noexec,size=2m,ro,mode=700,uid=1000,nr_inodes=10" }, { destination: "/dev/shm", options: "size=1m" }] }, cmd: ["true"] },
  { name: "--tmpfs with a propagation", docker: ["--tmpfs", "/x:defaults,shared"], options: { tmpfs: [{ destination: "/x", options: "defaults,shared" }] }, cmd: ["true"] },
  { name: "--hostname", docker: ["--hostname", "myhost"], options: { hostname: "myhost" }, cmd: ["true"] },
  { name: "--hostname --domainname", docker: ["--hostname", "myhost", "--domainname", "example.org"], options: { hostname: "myhost", domainname: "example.org" }, cmd: ["true"] },
  { name: "--domainname --network host", docker: ["--domainname", "example.org", "--network", "host"], options: { domainname: "example.org", network: "host" }, cmd: ["true"] },
  { name: "--shm-size", docker: ["--shm-size", "1m"], options: { shmSize: M }, cmd: ["true"] },
  { name: "--memory, --memory-swap, --cpus, --cpu-shares, --cpuset-cpus, --pids-limit", docker: ["--memory", "64m", "--memory-swap", "128m", "--cpus", "1.5", "--cpu-shares", "512", "--cpuset-cpus", "0", "--pids-limit", "100"], options: { memory: 64 * M, memorySwap: 128 * M, nanoCpus: 1.5e9, cpuShares: 512, cpusetCpus: "0", pidsLimit: 100 }, cmd: ["true"] },
  { name: "--memory alone", docker: ["--memory", "64m"], options: { memory: 64 * M }, cmd: ["true"] },
  { name: "--memory-swap -1", docker: ["--memory", "64m", "--memory-swap", "-1"], options: { memory: 64 * M, memorySwap: -1 }, cmd: ["true"] },
  { name: "--cpus 0.5, --pids-limit -1", docker: ["--cpus", "0.5", "--pids-limit", "-1"], options: { nanoCpus: 5e8, pidsLimit: -1 }, cmd: ["true"] },
  { name: "--ulimit", docker: ["--ulimit", "nproc=50", "--ulimit", "nofile=1024:2048"], options: { ulimits: [{ name: "nproc", soft: 50, hard: 50 }, { name: "nofile", soft: 1024, hard: 2048 }] }, cmd: ["true"] },
  { name: "--cap-add SYS_ADMIN --cap-drop NET_RAW (seccomp opens mount, clone)", docker: ["--cap-add", "SYS_ADMIN", "--cap-drop", "NET_RAW"], options: { capAdd: ["SYS_ADMIN"], capDrop: ["NET_RAW"] }, cmd: ["true"] },
  { name: "--cap-add SYS_PTRACE (seccomp opens kcmp, pidfd_getfd…)", docker: ["--cap-add", "SYS_PTRACE"], options: { capAdd: ["SYS_PTRACE"] }, cmd: ["true"] },
  { name: "--cap-add SYS_PTRACE for a user other than root", docker: ["--cap-add", "SYS_PTRACE", "-u", "www"], options: { capAdd: ["SYS_PTRACE"], user: "www" }, cmd: ["true"] },
  { name: "--cap-add twice and an add over a drop", docker: ["--cap-add", "CHOWN", "--cap-add", "chown", "--cap-add", "NET_ADMIN", "--cap-drop", "NET_ADMIN"], options: { capAdd: ["CHOWN", "chown", "NET_ADMIN"], capDrop: ["NET_ADMIN"] }, cmd: ["true"] },
  { name: "--cap-drop ALL --cap-add CHOWN", docker: ["--cap-drop", "ALL", "--cap-add", "CHOWN"], options: { capDrop: ["ALL"], capAdd: ["CHOWN"] }, cmd: ["true"] },
  { name: "--cap-drop ALL", docker: ["--cap-drop", "ALL"], options: { capDrop: ["ALL"] }, cmd: ["true"] },
  { name: "--cap-add ALL --cap-drop SYS_ADMIN", docker: ["--cap-add", "ALL", "--cap-drop", "SYS_ADMIN"], options: { capAdd: ["ALL"], capDrop: ["SYS_ADMIN"] }, cmd: ["true"], intended: ALL_CAPS_SECCOMP },
  { name: "--privileged", docker: ["--privileged"], options: { privileged: true }, cmd: ["true"] },
  { name: "--privileged -u www --read-only --cap-drop NET_RAW", docker: ["--privileged", "-u", "www", "--read-only", "--cap-drop", "NET_RAW"], options: { privileged: true, user: "www", readOnly: true, capDrop: ["NET_RAW"] }, cmd: ["true"] },
  { name: "--security-opt no-new-privileges", docker: ["--security-opt", "no-new-privileges"], options: { noNewPrivileges: true }, cmd: ["true"] },
  { name: "--security-opt seccomp=unconfined --cap-add SYS_ADMIN", docker: ["--security-opt", "seccomp=unconfined", "--cap-add", "SYS_ADMIN"], options: { seccomp: { mode: "unconfined" }, capAdd: ["SYS_ADMIN"] }, cmd: ["true"] },
  { name: "--security-opt seccomp=FILE (OCI form)", docker: ["--security-opt", `seccomp=${join(hostDir, "oci-profile.json")}`], options: { seccomp: { mode: "profile", profile: OCI_PROFILE } }, cmd: ["true"] },
  { name: "--security-opt seccomp=FILE (docker's form: archMap, includes, excludes)", docker: ["--cap-add", "SYS_ADMIN", "--security-opt", `seccomp=${join(hostDir, "docker-profile.json")}`], options: { capAdd: ["SYS_ADMIN"], seccomp: { mode: "profile", profile: DOCKER_PROFILE } }, cmd: ["true"] },
  { name: "--device nodes, renamed, with permissions, and a directory", docker: ["--device", "/dev/fuse", "--device", "/dev/null:/dev/mynull:r", "--device", "/dev/zero:rw", "--device", "/dev/net"], options: { devices: [{ pathOnHost: "/dev/fuse", pathInContainer: "/dev/fuse", permissions: "rwm" }, { pathOnHost: "/dev/null", pathInContainer: "/dev/mynull", permissions: "r" }, { pathOnHost: "/dev/zero", pathInContainer: "/dev/zero", permissions: "rw" }, { pathOnHost: "/dev/net", pathInContainer: "/dev/net", permissions: "rwm" }] }, cmd: ["true"] },
  { name: "--init", docker: ["--init", "--entrypoint", "/bin/echo"], options: { init: true, entrypoint: ["/bin/echo"] }, cmd: ["x"] },
  { name: "--stop-signal, --stop-timeout, --label, -i, --rm (none reach the spec)", docker: ["--stop-signal", "SIGUSR1", "--stop-timeout", "5", "--label", "a=b", "-i", "--rm"], options: { stopSignal: "SIGUSR1", stopTimeout: 5, labels: { a: "b" }, openStdin: true, autoRemove: true }, cmd: ["sh"] },
  { name: "--network host", docker: ["--network", "host"], options: { network: "host" }, cmd: ["true"] },
  { name: "-v binds, read-only ones, nested under a tmpfs", docker: ["-v", `${hostDir}:/b`, "-v", `${hostDir}:/a/b/c:ro`, "-v", `${hostDir}:/a`, "--tmpfs", "/a/b"], options: { binds: [{ source: hostDir, destination: "/b", readOnly: false }, { source: hostDir, destination: "/a/b/c", readOnly: true }, { source: hostDir, destination: "/a", readOnly: false }], tmpfs: [{ destination: "/a/b", options: "" }] }, cmd: ["true"] },
  { name: "-v over /dev/shm and /etc/hosts with --read-only", docker: ["--read-only", "-v", `${hostDir}:/dev/shm`, "-v", `${join(hostDir, "hosts")}:/etc/hosts:ro`], options: { readOnly: true, binds: [{ source: hostDir, destination: "/dev/shm", readOnly: false }, { source: join(hostDir, "hosts"), destination: "/etc/hosts", readOnly: true }] }, cmd: ["true"] },
  {
    name: "-v /etc/hosts:ro without --read-only",
    docker: ["-v", `${join(hostDir, "hosts")}:/etc/hosts:ro`],
    options: { binds: [{ source: join(hostDir, "hosts"), destination: "/etc/hosts", readOnly: true }] },
    cmd: ["true"],
  },
  {
    // (the volumes' sources are filled from dockerd's data root: named ones by name, anonymous ones by the name dockerd chose)
    name: "volumes: -v NAME:/p, -v NAME:/p:ro, --mount type=volume readonly, -v /p, beside a bind and a tmpfs",
    docker: ["-v", "specvol:/data", "-v", "specro:/ro:ro", "--mount", "type=volume,src=specm,dst=/m/deep,readonly", "-v", "/anon", "-v", `${hostDir}:/data/bound`, "--tmpfs", "/m"],
    options: {
      binds: [{ source: hostDir, destination: "/data/bound", readOnly: false }],
      volumes: [
        { name: "specvol", destination: "/data", readOnly: false, origin: "binds", mode: "z" },
        { name: "specro", destination: "/ro", readOnly: true, origin: "binds", mode: "ro" },
        { name: "specm", destination: "/m/deep", readOnly: true, origin: "mounts", mode: "z" },
        { name: "", destination: "/anon", readOnly: false, origin: "config", mode: "" },
      ],
      tmpfs: [{ destination: "/m", options: "" }],
    },
    cmd: ["true"],
  },
];

const OCI_PROFILE = JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] });
const DOCKER_PROFILE = JSON.stringify({
  defaultAction: "SCMP_ACT_ERRNO",
  archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }, { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] }],
  syscalls: [
    { names: ["read", "write", "exit_group"], action: "SCMP_ACT_ALLOW", comment: "ignored" },
    { name: "getpid", action: "SCMP_ACT_ALLOW" },
    { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
    { names: ["umount2"], action: "SCMP_ACT_ALLOW", excludes: { caps: ["CAP_CHOWN"] } },
    { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64", "arm64"] } },
    { names: ["bpf"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "99.0" } },
    { names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 3, args: [{ index: 1, value: 9, valueTwo: 0, op: "SCMP_CMP_EQ" }] },
  ],
});

/**
 * Syscalls whose rules differ between Debian's dockerd (docker 20.10's default profile) and ours
 * (current docker's), whatever the capabilities.
 */
const PROFILE_DIFFERENCES: Record<string, string> = {
  io_uring_setup: "docker 25 took io_uring out of the default profile (a large kernel attack surface); 20.10 allows it",
  io_uring_enter: "as io_uring_setup",
  io_uring_register: "as io_uring_setup",
  socket: "current docker refuses socket(AF_VSOCK), which reaches the hypervisor; 20.10 allows every family",
  name_to_handle_at: "current docker allows name_to_handle_at to all; 20.10 only with CAP_SYS_ADMIN",
  cachestat: "a syscall (Linux 6.5) newer than 20.10's list, allowed by current docker",
  fchmodat2: "Linux 6.6, newer than 20.10's list",
  futex_requeue: "Linux 6.7, newer than 20.10's list",
  futex_wait: "Linux 6.7, newer than 20.10's list",
  futex_wake: "Linux 6.7, newer than 20.10's list",
  map_shadow_stack: "Linux 6.6, newer than 20.10's list",
  pkey_alloc: "memory protection keys, allowed by current docker, not in 20.10's list",
  pkey_free: "as pkey_alloc",
  process_vm_readv: "current docker allows process_vm_readv and process_vm_writev on kernels 4.8 and later (where ptrace is confined to the caller's own namespace); this 20.10 only with CAP_SYS_PTRACE",
  process_vm_writev: "as process_vm_readv",
  pkey_mprotect: "as pkey_alloc",
};

describe.skipIf(!installed)("config.json: skiff's builder against dockerd", () => {
  let dockerd: Dockerd;
  let facts: ReturnType<typeof readHostFacts>;

  beforeAll(async () => {
    dockerd = await startDockerd();
    hostDir = join(dockerd.dir, "host");
    Bun.spawnSync(["mkdir", "-p", hostDir]);
    writeFileSync(join(hostDir, "hosts"), "127.0.0.1 localhost\n");
    writeFileSync(join(hostDir, "oci-profile.json"), OCI_PROFILE);
    writeFileSync(join(hostDir, "docker-profile.json"), DOCKER_PROFILE);
    const busybox = Bun.file("/bin/busybox");
    const tar = buildTar([
      { name: "bin/", type: "dir", mode: 0o755 },
      { name: "bin/busybox", type: "file", mode: 0o755, data: new Uint8Array(await busybox.arrayBuffer()) },
      { name: "bin/sh", type: "symlink", linkname: "busybox" },
      { name: "etc/", type: "dir", mode: 0o755 },
      { name: "etc/passwd", type: "file", mode: 0o644, data: PASSWD },
      { name: "etc/group", type: "file", mode: 0o644, data: GROUP },
    ]);
    for (const [ref, image] of Object.entries(IMAGES)) {
      const r = dockerd.docker(["import", ...image.changes.flatMap((c) => ["-c", c]), "-", ref], tar);
      if (r.code !== 0) throw new Error(`docker import ${ref}: ${r.stderr}`);
    }
    // dockerd bind-mounts the host's netns under its exec root at the first --network host
    // container, and keeps it until it stops: made here, so that no test sees it appear
    const warm = dockerd.docker(["create", "--network", "host", "skiff-spec:plain", "true"]);
    dockerd.docker(["start", warm.stdout.trim()]);
    // (normalization 11: dockerd grants --privileged and ALL every capability the kernel knows, held or not)
    facts = { ...readHostFacts(), heldCapabilities: undefined };
  }, 90_000);

  afterAll(async () => {
    await dockerd?.stop();
  }, 60_000);

  const report: string[] = [];
  const seenProfileDifferences = new Set<string>();
  afterAll(() => {
    if (report.length) console.log(`spec-differential: intended differences from dockerd 20.10:\n  ${report.join("\n  ")}`);
  });

  for (const c of CASES()) {
    test(c.name, () => {
      const kase = CASES().find((x) => x.name === c.name)!; // hostDir is known only after start-up
      const image = kase.image ?? "skiff-spec:plain";
      // without --network the engine runs containers on none for now (bridges come with networking)
      const network = kase.docker.includes("--network") ? [] : ["--network", "none"];
      const args = ["create", ...network, ...kase.docker, image, ...(kase.cmd ?? [])];
      const created = dockerd.docker(args);
      expect(created.stderr.replace(/^WARNING.*\n/gm, "")).toBe("");
      const id = created.stdout.trim();
      // before start: a --rm container is gone once its start fails
      const received = JSON.parse(dockerd.docker(["inspect", "--format", "{{json .Config.Env}}", id]).stdout) as string[];
      const started = dockerd.docker(["start", id]);
      expect(started.code).not.toBe(0); // the capture runtime refuses, once it has the config
      const theirs = dockerd.capturedConfig(id) as Json;
      const mount = (dest: string) => ((theirs as { mounts: { destination: string; source: string }[] }).mounts.find((m) => m.destination === dest)?.source ?? "");
      const containerDir = join(dockerd.dataRoot, "containers", id);
      const host: SpecHost = {
        ...facts,
        id,
        rootPath: (theirs as { root: { path: string } }).root.path,
        cgroupParent: "/docker",
        networkFiles: { resolvConf: join(containerDir, "resolv.conf"), hostname: join(containerDir, "hostname"), hosts: join(containerDir, "hosts") },
        initPath: mount("/sbin/docker-init") || "/usr/bin/docker-init",
        readImageFile: (p) => FILES[p],
      };
      const env = kase.options.env && received.filter((e) => kase.options.env!.includes(e));
      const volumes = kase.options.volumes?.map((v) => ({ ...v, source: v.name ? join(dockerd.dataRoot, "volumes", v.name, "_data") : mount(v.destination) }));
      for (const v of volumes ?? []) expect(v.source).toMatch(new RegExp(`^${dockerd.dataRoot}/volumes/${v.name || "[0-9a-f]{64}"}/_data$`));
      // (ours is built for the network dockerd's container is on: none turns no IPv6 off)
      const ours = buildContainerSpec(IMAGES[image]!.config, { ...kase.options, ...(network.length ? { network: "none" } : {}), env, cmd: kase.cmd, ...(volumes ? { volumes } : {}) }, host) as unknown as Json;
      const { diffs, excused } = specDifferences(ours, theirs, PROFILE_DIFFERENCES);
      for (const name of excused) seenProfileDifferences.add(name);
      const intended = kase.intended ?? {};
      const unexplained = diffs.filter((d) => !(d.path in intended));
      for (const d of diffs) if (d.path in intended) report.push(`${c.name}: ${d.path}: ${intended[d.path]}`);
      expect(unexplained.map((d) => `${d.path}: ours ${JSON.stringify(d.ours)}, dockerd ${JSON.stringify(d.theirs)}`)).toEqual([]);
      // every intended difference is still there: a case that no longer differs is fixed, say so
      expect(Object.keys(intended).filter((p) => !diffs.some((d) => d.path === p))).toEqual([]);
    }, 60_000);
  }

  test("each listed difference of the default profiles was met (the list holds no stale entry)", () => {
    expect(Object.keys(PROFILE_DIFFERENCES).filter((name) => !seenProfileDifferences.has(name))).toEqual([]);
    for (const [name, why] of Object.entries(PROFILE_DIFFERENCES)) report.push(`seccomp, ${name}: ${why}`);
  });
});

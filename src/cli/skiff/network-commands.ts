// skiff network's subcommands (docker 28's names, usage lines, flags and help words), each loading
// its module when it runs; main.ts adds them to its table under "network SUB".
import type { FlagSpec } from "../args.ts";
import type { Command } from "./command.ts";

const networks = () => import("./commands/networks.ts");

const list = (names: string[], help: string): FlagSpec => ({ names, type: "strings", value: "list", help });
const strings = (names: string[], help: string): FlagSpec => ({ names, type: "strings", value: "strings", help });
const map = (names: string[], help: string): FlagSpec => ({ names, type: "strings", value: "map", help: `${help} (default map[])` });
const bool = (names: string[], help: string): FlagSpec => ({ names, type: "bool", help });
const str = (names: string[], help: string): FlagSpec => ({ names, type: "string", help });

export const NETWORK_COMMANDS: Record<string, Command> = {
  "network create": {
    usage: "network create [OPTIONS] NETWORK",
    summary: "Create a network",
    flags: [
      bool(["attachable"], "Enable manual container attachment"),
      map(["aux-address"], "Auxiliary IPv4 or IPv6 addresses used by Network driver"),
      str(["config-from"], "The network from which to copy the configuration"),
      bool(["config-only"], "Create a configuration only network"),
      str(["driver", "d"], 'Driver to manage the Network (default "bridge")'),
      strings(["gateway"], "IPv4 or IPv6 Gateway for the master subnet"),
      bool(["ingress"], "Create swarm routing-mesh network"),
      bool(["internal"], "Restrict external access to the network"),
      strings(["ip-range"], "Allocate container ip from a sub-range"),
      str(["ipam-driver"], 'IP Address Management Driver (default "default")'),
      map(["ipam-opt"], "Set IPAM driver specific options"),
      bool(["ipv6"], "Enable or disable IPv6 address assignment"),
      list(["label"], "Set metadata on a network"),
      map(["opt", "o"], "Set driver specific options"),
      str(["scope"], "Control the network's scope"),
      strings(["subnet"], "Subnet in CIDR format that represents a network segment"),
    ],
    args: [1, 1],
    run: async (c) => (await networks()).createNetwork(c),
  },
  "network ls": {
    usage: "network ls [OPTIONS]",
    summary: "List networks",
    flags: [
      { names: ["filter", "f"], type: "strings", value: "filter", help: 'Provide filter values (e.g. "driver=bridge")' },
      str(["format"], "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"),
      bool(["no-trunc"], "Do not truncate the output"),
      bool(["quiet", "q"], "Only display network IDs"),
    ],
    args: [0, 0],
    run: async (c) => (await networks()).listNetworks(c),
  },
  "network inspect": {
    usage: "network inspect [OPTIONS] NETWORK [NETWORK...]",
    summary: "Display detailed information on one or more networks",
    flags: [str(["format", "f"], "Format output using a custom template: 'json' or a Go template"), bool(["verbose", "v"], "Verbose output for diagnostics")],
    args: [1, -1],
    run: async (c) => (await networks()).inspectNetworks(c),
  },
  "network rm": {
    usage: "network rm NETWORK [NETWORK...]",
    summary: "Remove one or more networks",
    flags: [bool(["force", "f"], "Do not error if the network does not exist")],
    args: [1, -1],
    run: async (c) => (await networks()).removeNetworks(c),
  },
  "network prune": {
    usage: "network prune [OPTIONS]",
    summary: "Remove all unused networks",
    flags: [{ names: ["filter"], type: "strings", value: "filter", help: 'Provide filter values (e.g. "until=<timestamp>")' }, bool(["force", "f"], "Do not prompt for confirmation")],
    args: [0, 0],
    run: async (c) => (await networks()).pruneNetworks(c),
  },
  "network connect": {
    usage: "network connect [OPTIONS] NETWORK CONTAINER",
    summary: "Connect a container to a network",
    flags: [
      strings(["alias"], "Add network-scoped alias for the container"),
      strings(["driver-opt"], "driver options for the network"),
      str(["ip"], 'IPv4 address (e.g., "172.30.100.104")'),
      str(["ip6"], 'IPv6 address (e.g., "2001:db8::33")'),
      list(["link"], "Add link to another container"),
      strings(["link-local-ip"], "Add a link-local address for the container"),
    ],
    args: [2, 2],
    run: async (c) => (await networks()).connectNetwork(c),
  },
  "network disconnect": {
    usage: "network disconnect [OPTIONS] NETWORK CONTAINER",
    summary: "Disconnect a container from a network",
    flags: [bool(["force", "f"], "Force the container to disconnect from a network")],
    args: [2, 2],
    run: async (c) => (await networks()).disconnectNetwork(c),
  },
};

/** `network SUB` and its aliases (docker's: ls/list, rm/remove). */
export const NETWORK_SUBCOMMANDS: Record<string, string> = {
  create: "network create", ls: "network ls", list: "network ls", inspect: "network inspect", rm: "network rm", remove: "network rm", prune: "network prune", connect: "network connect", disconnect: "network disconnect",
};

export const NETWORK_USAGE = `Usage:  skiff network COMMAND

Manage networks

Commands:
  connect     Connect a container to a network
  create      Create a network
  disconnect  Disconnect a container from a network
  inspect     Display detailed information on one or more networks
  ls          List networks
  prune       Remove all unused networks
  rm          Remove one or more networks

Run 'skiff network COMMAND --help' for more information on a command.
`;

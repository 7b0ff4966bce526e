// The CNI layer's public surface (used by the network engine's attach and service code).
export { bridgeConflist, CNI_VERSION, type CniConflist, type CniPluginConf, type ConflistOptions } from "./conflist.ts";
export { CniNetwork, type CniAddRequest, type CniAttachmentRequest, type CniDelRequest, type CniNetworkOptions } from "./cni-network.ts";
export { DEFAULT_PLUGIN_DIRS, execPlugin, findPlugin, type PluginCall } from "./exec-plugin.ts";
export { ensureNetworkRules, networkRules, removeNetworkRules } from "./network-rules.ts";
export { endpointOf, parseCniResult, type CniResult } from "./result.ts";

// Container names: docker's rule for the ones users give, and a random "adjective_noun" for the
// ones they do not (words of skiff's own: small boats and how they go).
import { randomInt } from "node:crypto";
import { invalidArg } from "./errors.ts";

const NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** A name as given ("/web" or "web"), without its slash; docker's 400 for one it does not take. */
export function checkName(name: string): string {
  if (!NAME.test(name) || name.length > 255)
    throw invalidArg("ENGINE_NAME_INVALID", `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, "use letters, digits, _ . - (two characters or more, starting with a letter or digit)", { field: "name" });
  return name.replace(/^\//, "");
}

const ADJECTIVES = ["brisk", "calm", "eager", "fleet", "gentle", "hardy", "keen", "lively", "lucid", "nimble", "plucky", "quiet", "rapid", "salty", "sleek", "steady", "sturdy", "swift", "tidy", "trim", "wary", "windy", "bold", "bright", "clever", "daring", "deft", "jolly", "merry", "noble"];
const NOUNS = ["anchor", "bowline", "canoe", "coracle", "cutter", "dinghy", "dory", "galley", "gig", "hull", "jib", "keel", "ketch", "launch", "mast", "oar", "pinnace", "punt", "raft", "rudder", "sail", "schooner", "scull", "skiff", "sloop", "tender", "tiller", "wherry", "yawl", "buoy"];

/** A random name not in use; past many collisions a number is appended, as docker does. */
export function randomName(taken: (name: string) => boolean): string {
  for (let i = 0; ; i++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NOUNS[randomInt(NOUNS.length)]}`;
    const name = i < 10 ? base : `${base}${randomInt(10)}`;
    if (!taken(name)) return name;
  }
}

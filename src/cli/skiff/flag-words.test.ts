import { expect, test } from "bun:test";
import type { FlagSpec } from "../args.ts";
import { splitAtFirstArg } from "./flag-words.ts";

const SPECS: FlagSpec[] = [
  { names: ["interactive", "i"], type: "bool" },
  { names: ["tty", "t"], type: "bool" },
  { names: ["detach", "d"], type: "bool" },
  { names: ["env", "e"], type: "strings" },
  { names: ["name"], type: "string" },
  { names: ["memory", "m"], type: "string" },
];

test.each([
  [["-it", "busybox", "sh", "-it"], ["--interactive", "--tty"], ["busybox", "sh", "-it"]],
  [["-dit", "--name", "x", "img"], ["--detach", "--interactive", "--tty", "--name=x"], ["img"]],
  [["-e", "A=1", "-eB=2", "-e=C=3", "--env=D=4", "img"], ["--env=A=1", "--env=B=2", "--env=C=3", "--env=D=4"], ["img"]],
  [["-m64m", "-im", "1g", "img"], ["--memory=64m", "--interactive", "--memory=1g"], ["img"]],
  // a value that starts with "-" stays the value
  [["-e", "-it", "--name", "--x", "img"], ["--env=-it", "--name=--x"], ["img"]],
  // skiff's single-dash long names, and a letter after two dashes
  [["-name", "x", "--e", "A", "img"], ["--name=x", "--env=A"], ["img"]],
  [["--", "-img", "-x"], [], ["-img", "-x"]],
  [["-t=false", "--tty=true", "img"], ["--tty=false", "--tty=true"], ["img"]],
  [["-", "x"], [], ["-", "x"]],
  // what is no known flag is left as it is for the parser to refuse
  [["--nope", "img"], ["--nope"], ["img"]],
  [["-iz", "img"], ["--interactive", "-z"], ["img"]],
  [["--name"], ["--name"], []],
  [["-e"], ["-e"], []],
] as const)("%j", (words, flagWords, rest) => expect(splitAtFirstArg(words, SPECS)).toEqual({ flagWords: [...flagWords], rest: [...rest] }));

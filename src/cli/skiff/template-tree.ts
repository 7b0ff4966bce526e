// The syntax tree of a parsed template: what template-parse.ts builds and template-exec.ts runs.
// Types only.
import type { Value } from "./template-value.ts";

export type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipeline }
  | { kind: "if" | "with"; pipe: Pipeline; list: Node[]; elseList?: Node[] }
  | { kind: "range"; pipe: Pipeline; list: Node[]; elseList?: Node[] }
  | { kind: "break" | "continue" };

export interface Pipeline {
  /** Variables declared (":=") or assigned ("="). */
  decl: string[];
  assign: boolean;
  cmds: Operand[][];
}

export type Operand =
  | { kind: "field"; path: string[] } // .A.B ("." alone: path [])
  | { kind: "var"; name: string; path: string[] } // $x.A
  | { kind: "func"; name: string }
  | { kind: "literal"; value: Value }
  | { kind: "pipe"; pipe: Pipeline; path: string[] }; // (…).A

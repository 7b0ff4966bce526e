// Go's text/template, as much of it as docker's --format uses: text with actions that print a
// pipeline ({{.Field.Path}}, {{json .X}}, {{.X | upper}}, {{printf "%-10s" .Y}}), control
// structures ({{if}}/{{else if}}/{{else}}/{{end}}, {{range}} with "." rebound to each element and
// optional $i, $e := …, {{with}}, {{break}}, {{continue}}), variables ($ is the data; $x := …),
// trim markers ({{- and -}}) and comments. Functions: docker's (json, join, split, lower, upper,
// title, pad, truncate) and Go's builtins (and, or, not, len, index, slice, print, printf, println,
// eq, ne, lt, le, gt, ge). "\t" and "\n" written as two characters in the text become a tab and a
// newline, as docker's formatter does. Anything else is a clear error rather than silently wrong output.
//
// This module is the entry point: compile a template (errors: CLI_TEMPLATE_INVALID), execute it
// (errors: CLI_TEMPLATE_FIELD). The work is in template-lex, -parse, -exec, -funcs, -fmt and -value.
import { invalid } from "../../common/errors.ts";
import { execute } from "./template-exec.ts";
import { FUNCTION_NAMES } from "./template-funcs.ts";
import { splitPieces } from "./template-lex.ts";
import { parse } from "./template-parse.ts";
import type { Value } from "./template-value.ts";

export { sprintf } from "./template-fmt.ts";
export { goString } from "./template-value.ts";

export interface CompiledTemplate {
  execute(data: Value): string;
}

/** A --format value: "json" (docker's keyword, one JSON document) or a template. */
export function compileFormat(format: string): CompiledTemplate {
  return compileTemplate(format.trim() === "json" ? "{{json .}}" : format);
}

export function compileTemplate(template: string): CompiledTemplate {
  const parseFail = (why: string, line?: number): never => {
    throw invalid("cli", "CLI_TEMPLATE_INVALID", `parse template "${template}"${line && template.includes("\n") ? ` (line ${line})` : ""}: ${why}`, `use .Field, control structures (if, range, with) and the functions ${FUNCTION_NAMES}`, { exitStatus: 1 });
  };
  const tree = parse(splitPieces(template, parseFail), parseFail);
  const fieldError = (why: string, hint?: string): never => {
    throw invalid("cli", "CLI_TEMPLATE_FIELD", `execute template "${template}": ${why}`, hint, { exitStatus: 1 });
  };
  return { execute: (data) => execute(tree, data, fieldError) };
}

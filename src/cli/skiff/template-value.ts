// Template data as Go sees it: Value is any JSON-like datum; goString prints it as Go's fmt does by
// default, truth tests it as {{if}} does, typeName names its Go type for error messages. Pure.

export type Value = unknown;

/** Go's default printing: <no value> for missing, maps as map[k:v], lists as [a b]. */
export function goString(v: Value): string {
  if (v === undefined) return "<no value>";
  if (v === null) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`;
  if (typeof v === "object") return `map[${Object.keys(v).sort().map((k) => `${k}:${goString((v as Record<string, Value>)[k])}`).join(" ")}]`;
  return String(v);
}

/** Go's truth: false, 0, "", nil and empty lists and maps are false. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

export const typeName = (v: Value): string =>
  v === undefined || v === null ? "<nil>" : Array.isArray(v) ? "[]interface {}" : typeof v === "object" ? "map[string]interface {}" : typeof v === "number" ? (Number.isInteger(v) ? "int" : "float64") : typeof v === "boolean" ? "bool" : "string";

import { expect, test } from "bun:test";
import { parseEventLine } from "./event-message.ts";
import { compileFormat } from "./template.ts";

const line = '{"status":"start","id":"abc","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"x","image":"busybox"}},"scope":"local","time":1764950400,"timeNano":1764950400123456789}';

test("docker's field names: Status, ID, From, Type, Action, Actor, Scope, Time, TimeNano", () => {
  const out = compileFormat("{{.Status}}|{{.ID}}|{{.From}}|{{.Type}}|{{.Action}}|{{.Actor.ID}}|{{.Scope}}|{{.Time}}|{{.TimeNano}}").execute(parseEventLine(line));
  expect(out).toBe("start|abc|busybox|container|start|abc|local|1764950400|1764950400123456789");
  expect(() => compileFormat("{{.toJSON}}").execute(parseEventLine(line))).toThrow("can't evaluate field toJSON");
});

test("--format json and {{json .}} print docker's wire form, timeNano exact, attributes sorted", () => {
  const want = '{"status":"start","id":"abc","from":"busybox","Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"image":"busybox","name":"x"}},"scope":"local","time":1764950400,"timeNano":1764950400123456789}';
  expect(compileFormat("json").execute(parseEventLine(line))).toBe(want);
  expect(compileFormat("{{json .}}").execute(parseEventLine(line))).toBe(want);
  expect(compileFormat("{{json .TimeNano}}").execute(parseEventLine(line))).toBe("1764950400123456789");
});

test("a volume event has no status, id or from in its JSON (omitempty, as docker's Message)", () => {
  const v = '{"Type":"volume","Action":"create","Actor":{"ID":"v","Attributes":{"driver":"local"}},"scope":"local","time":1,"timeNano":1000000001}';
  expect(compileFormat("json").execute(parseEventLine(v))).toBe('{"Type":"volume","Action":"create","Actor":{"ID":"v","Attributes":{"driver":"local"}},"scope":"local","time":1,"timeNano":1000000001}');
  expect(compileFormat("{{json \"\\u0000\"}}").execute(parseEventLine(v))).toBe('"\\u0000"');
});

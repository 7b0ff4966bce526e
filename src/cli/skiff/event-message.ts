// An event line from /events as docker's CLI formats it: events.Message, whose Go fields are
// Status, ID, From, Type, Action, Actor, Scope, Time and TimeNano (what --format's templates name),
// and whose JSON (--format json, {{json .}}) uses the wire's tags: status, id and from only when
// set, Actor's attributes in sorted order (Go's maps), timeNano as the exact integer.

export interface WireEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> | null };
  scope?: string;
  time: number;
  timeNano?: number;
}

/** Go's field names; a class so that toJSON is no field a template can name. */
export class EventMessage {
  Status: string;
  ID: string;
  From: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  Scope: string;
  Time: number;
  TimeNano: bigint;

  constructor(w: WireEvent, timeNano: bigint) {
    this.Status = w.status ?? "";
    this.ID = w.id ?? "";
    this.From = w.from ?? "";
    this.Type = w.Type;
    this.Action = w.Action;
    const attrs = w.Actor?.Attributes ?? {};
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(attrs).sort()) sorted[k] = attrs[k]!;
    this.Actor = { ID: w.Actor?.ID ?? "", Attributes: sorted };
    this.Scope = w.scope ?? "";
    this.Time = w.time;
    this.TimeNano = timeNano;
  }

  /** The wire's tags, omitempty as docker's Message (time and timeNano too when 0). */
  toJSON(): Record<string, unknown> {
    const doc: Record<string, unknown> = {};
    if (this.Status) doc.status = this.Status;
    if (this.ID) doc.id = this.ID;
    if (this.From) doc.from = this.From;
    Object.assign(doc, { Type: this.Type, Action: this.Action, Actor: this.Actor, scope: this.Scope });
    if (this.Time) doc.time = this.Time;
    if (this.TimeNano) doc.timeNano = this.TimeNano;
    return doc;
  }
}

/** One line of /events: timeNano is read from the text, since the JSON number loses digits past 2^53. */
export function parseEventLine(line: string): EventMessage {
  const w = JSON.parse(line) as WireEvent;
  const nano = /"timeNano":(\d+)/.exec(line)?.[1];
  return new EventMessage(w, nano ? BigInt(nano) : BigInt(w.time) * 1_000_000_000n);
}

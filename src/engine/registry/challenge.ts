// WWW-Authenticate challenges (RFC 7235) as registries send them:
//   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"
// Several challenges may share one header (and fetch joins repeated headers with ", "), so a new
// challenge starts at a bare token that is not followed by "=".

export interface Challenge {
  /** Lowercased: "bearer", "basic". */
  scheme: string;
  /** Parameter names lowercased, values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseChallenges(header: string | null | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  let s = header;
  let current: Challenge | undefined;
  const skip = (re: RegExp) => {
    const m = re.exec(s);
    if (m) s = s.slice(m[0].length);
  };
  while (s.length) {
    skip(/^[\s,]+/);
    const tok = TOKEN.exec(s);
    if (!tok) {
      s = s.slice(1); // stray character: skip rather than reject the whole header
      continue;
    }
    s = s.slice(tok[0].length);
    skip(/^\s*/);
    if (s[0] === "=" && current) {
      s = s.slice(1);
      skip(/^\s*/);
      let value: string;
      if (s[0] === '"') {
        let i = 1;
        value = "";
        for (; i < s.length && s[i] !== '"'; i++) {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i];
        }
        s = s.slice(i + 1);
      } else {
        const m = /^[^,\s]*/.exec(s)!;
        value = m[0];
        s = s.slice(value.length);
      }
      current.params[tok[0].toLowerCase()] = value;
    } else if (s[0] === "=" && !current) {
      s = s.replace(/^=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)/, ""); // a parameter before any scheme
    } else {
      // token68 credentials ("Negotiate abc==") are not used by registries; a bare token is a scheme.
      current = { scheme: tok[0].toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

/** The scopes a bearer challenge asks for ("repository:a:pull repository:b:pull" → two). */
export const challengeScopes = (c: Challenge): string[] => (c.params.scope ? c.params.scope.split(" ").filter(Boolean) : []);

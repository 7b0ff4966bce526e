// `import --change` as docker's builder reads Dockerfile instructions for a commit or import.
import { describe, expect, test } from "bun:test";
import type { SkiffError } from "../../common/errors.ts";
import fc from "fast-check";
import { applyChanges, logicalLines } from "./import-changes.ts";
import { CHANGES_PROPERTIES } from "./import-changes.fuzz.ts";

const apply = (...changes: string[]) => applyChanges({}, changes);
const refused = (...changes: string[]): SkiffError => {
  try {
    apply(...changes);
  } catch (e) {
    return e as SkiffError;
  }
  throw new Error(`accepted: ${JSON.stringify(changes)}`);
};

describe("LABEL and ENV", () => {
  test("quoted keys and values lose their quotes; several pairs on one line", () => {
    expect(apply('LABEL "a b"=c').Labels).toEqual({ "a b": "c" });
    expect(apply('LABEL k=v "k 2"="v 2"').Labels).toEqual({ k: "v", "k 2": "v 2" });
    expect(apply("LABEL k='single quoted' e=\"with \\\"escaped\\\" quotes\"").Labels).toEqual({ k: "single quoted", e: 'with "escaped" quotes' });
    expect(apply("LABEL k=a\\ b").Labels).toEqual({ k: "a b" });
    expect(apply('LABEL k="a=b"').Labels).toEqual({ k: "a=b" });
  });

  test("the legacy KEY VALUE form takes the rest of the line", () => {
    expect(apply("ENV PATH /usr/bin:/bin").Env).toEqual(["PATH=/usr/bin:/bin"]);
    expect(apply("LABEL description a long text").Labels).toEqual({ description: "a long text" });
  });

  test("ENV replaces a variable in place and expands what was set before the instruction", () => {
    expect(apply("ENV A=1 B=2", "ENV A=3", "ENV C=$A${B}", "ENV D=${NOPE:-dflt} E=${A:+set} F=$A/x").Env).toEqual(["A=3", "B=2", "C=32", "D=dflt", "E=set", "F=3/x"]);
    // a pair sees the ENV before its instruction, not its neighbours
    expect(apply("ENV a=1 b=$a").Env).toEqual(["a=1", "b="]);
    expect(apply("ENV a=1", "LABEL v=$a w='$a' x=\"$a\" y=\\$a").Labels).toEqual({ v: "1", w: "$a", x: "1", y: "$a" });
  });

  test("a missing argument, a missing = and a blank name are refused with docker's reasons", () => {
    expect(refused("ENV").message).toBe('apply change "ENV": ENV requires at least one argument');
    expect(refused("LABEL").message).toContain("LABEL requires at least one argument");
    expect(refused("ENV onlykey").message).toContain("ENV must have two arguments");
    expect(refused("LABEL a=1 b").message).toContain("can't find = in \"b\"");
    expect(refused("LABEL =v").message).toContain("LABEL names can not be blank");
    expect(refused('LABEL k="open').message).toContain("matching double-quote");
    for (const e of [refused("ENV"), refused("LABEL a=1 b")]) {
      expect(e.code).toBe("ENGINE_IMPORT_CHANGE_INVALID");
      expect(e.layer).toBe("engine");
      expect(e.hint).toBeTruthy();
      expect(e.message).not.toContain("INSTRUCTION");
    }
  });
});

describe("EXPOSE", () => {
  test("ports, ranges and protocols", () => {
    expect(apply("EXPOSE 80-82").ExposedPorts).toEqual({ "80/tcp": {}, "81/tcp": {}, "82/tcp": {} });
    expect(apply("EXPOSE 53/udp 443 8080/TCP 9/sctp").ExposedPorts).toEqual({ "443/tcp": {}, "53/udp": {}, "8080/tcp": {}, "9/sctp": {} });
    expect(apply("ENV P='1 2'", "EXPOSE $P").ExposedPorts).toEqual({ "1/tcp": {}, "2/tcp": {} });
    // keys come out sorted, as Go writes a map
    expect(Object.keys(apply("EXPOSE 90 443 80").ExposedPorts!)).toEqual(["443/tcp", "80/tcp", "90/tcp"]);
  });

  test("what is no port is refused", () => {
    for (const bad of ["notaport", "70000", "80/ftp", "82-80", "-1", "80-", ""]) {
      const e = refused(`EXPOSE ${bad}`);
      expect(e.code).toBe("ENGINE_IMPORT_CHANGE_INVALID");
      expect(e.hint).toBeTruthy();
    }
    expect(refused("EXPOSE notaport").message).toBe('apply change "EXPOSE notaport": invalid port "notaport": a port is a number from 0 to 65535');
    expect(refused("EXPOSE 70000").message).toContain('invalid port "70000"');
  });
});

describe("STOPSIGNAL, WORKDIR, USER, VOLUME", () => {
  test("STOPSIGNAL takes what docker's ParseSignal takes, as given", () => {
    for (const s of ["SIGTERM", "TERM", "15", "SIGRTMIN+3", "sigkill", "RTMAX-2", "9"]) expect(apply(`STOPSIGNAL ${s}`).StopSignal).toBe(s);
    for (const s of ["NOPE", "0", "SIGRTMIN+16", "65", "SIG"]) expect(refused(`STOPSIGNAL ${s}`).message).toContain(`invalid signal "${s}"`);
    expect(refused("STOPSIGNAL NOPE").hint).toContain("SIGTERM");
    expect(refused("STOPSIGNAL").message).toContain("requires exactly one argument");
  });

  test("WORKDIR joins a relative path to the previous one (or /) and cleans it", () => {
    expect(apply("WORKDIR rel").WorkingDir).toBe("/rel");
    expect(apply("WORKDIR /a", "WORKDIR b/c", "WORKDIR ../d").WorkingDir).toBe("/a/b/d");
    expect(apply("WORKDIR /x//y/./z/").WorkingDir).toBe("/x/y/z");
    expect(applyChanges({ WorkingDir: "/base" }, ["WORKDIR sub"]).WorkingDir).toBe("/base/sub");
    expect(apply("ENV D=/srv", "WORKDIR $D/app").WorkingDir).toBe("/srv/app");
  });

  test("USER and VOLUME expand variables; VOLUME takes JSON or words", () => {
    expect(apply("ENV U=www", "USER ${U}:1000").User).toBe("www:1000");
    expect(apply('VOLUME ["/a", "/b c"]').Volumes).toEqual({ "/a": {}, "/b c": {} });
    expect(apply("VOLUME /x /y").Volumes).toEqual({ "/x": {}, "/y": {} });
    expect(refused("VOLUME").message).toContain("VOLUME requires at least one argument");
    expect(refused("VOLUME [1, 2]").message).toContain("must be comprised of strings only");
  });
});

describe("CMD, ENTRYPOINT, HEALTHCHECK, ONBUILD", () => {
  test("JSON form, else shell form: a broken JSON array is a shell command, as in docker", () => {
    expect(apply('CMD ["sh", "-c", "x"]').Cmd).toEqual(["sh", "-c", "x"]);
    expect(apply('CMD ["x').Cmd).toEqual(["/bin/sh", "-c", '["x']);
    expect(apply("CMD echo $HOME").Cmd).toEqual(["/bin/sh", "-c", "echo $HOME"]);
    expect(apply("CMD []").Cmd).toEqual([]);
    expect(refused('CMD ["a", 1]').message).toContain("must be comprised of strings only");
    expect(refused("CMD").hint).toContain("CMD []");
  });

  test("ENTRYPOINT resets a Cmd no CMD of the changes set; an empty one clears it", () => {
    expect(applyChanges({ Cmd: ["old"] }, ['ENTRYPOINT ["/ep"]'])).toMatchObject({ Entrypoint: ["/ep"], Cmd: null });
    expect(apply('CMD ["c"]', 'ENTRYPOINT ["/ep"]')).toMatchObject({ Entrypoint: ["/ep"], Cmd: ["c"] });
    expect(applyChanges({ Entrypoint: ["/x"] }, ["ENTRYPOINT []"]).Entrypoint).toBeNull();
  });

  test("HEALTHCHECK: CMD (JSON or shell) with its flags, or NONE", () => {
    expect(apply('HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms --retries=3 CMD ["/bin/check", "-q"]').Healthcheck).toEqual({
      Test: ["CMD", "/bin/check", "-q"], Interval: 30e9, Timeout: 90e9, StartPeriod: 500e6, Retries: 3,
    });
    expect(apply("HEALTHCHECK CMD curl -f http://localhost/ || exit 1").Healthcheck).toEqual({ Test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] });
    expect(apply("healthcheck none").Healthcheck).toEqual({ Test: ["NONE"] });
    expect(refused("HEALTHCHECK CMD").message).toContain("missing command after HEALTHCHECK CMD");
    expect(refused("HEALTHCHECK RUN x").message).toContain("unknown type");
    expect(refused("HEALTHCHECK --interval=soon CMD x").message).toContain("not a duration");
    expect(refused("HEALTHCHECK --interval=1us CMD x").message).toContain("less than 1ms");
    expect(refused("HEALTHCHECK --retries=-1 CMD x").message).toContain("cannot be negative");
    expect(refused("HEALTHCHECK --bogus=1 CMD x").message).toContain("unknown flag --bogus");
    expect(refused("HEALTHCHECK NONE x").message).toContain("takes no arguments");
    expect(refused("CMD --interval=1s x").message).toContain("takes no flag");
  });

  test("ONBUILD keeps its trigger as written; chaining, FROM, MAINTAINER and non-instructions are refused", () => {
    expect(apply("ONBUILD RUN make install", "onbuild  ADD . /app").OnBuild).toEqual(["RUN make install", "ADD . /app"]);
    expect(refused("ONBUILD ONBUILD RUN x").message).toContain("ONBUILD ONBUILD");
    expect(refused("ONBUILD FROM x").message).toContain("FROM isn't allowed as an ONBUILD trigger");
    expect(refused("ONBUILD").message).toContain("ONBUILD requires at least one argument");
    expect(refused("ONBUILD BOGUS x").message).toContain("unknown instruction");
  });
});

describe("the changes as a Dockerfile", () => {
  test("instructions docker does not allow in a change are refused, naming the word as given", () => {
    const e = refused("CMD sh", "BOGUS x");
    expect(e.message).toBe('apply change "BOGUS x": "BOGUS" is not allowed in a change');
    expect(e.hint).toContain("HEALTHCHECK");
    for (const i of ["RUN x", "FROM x", "COPY a b", "ADD a b", "SHELL [\"sh\"]", "ARG x", "MAINTAINER me"]) expect(refused(i).message).toContain("is not allowed in a change");
  });

  test("continuation lines join, comments and blank lines are skipped; a change of only comments is refused", () => {
    expect(logicalLines(["ENV a=1 \\", "  b=2", "# a comment", "", "  LABEL x=y"])).toEqual(["ENV a=1   b=2", "LABEL x=y"]);
    expect(apply("ENV a=1 \\\n b=2").Env).toEqual(["a=1", "b=2"]);
    expect(apply("ENV a=1\nLABEL b=2")).toMatchObject({ Env: ["a=1"], Labels: { b: "2" } });
    expect(refused("# nothing").message).toContain("holds no instruction");
    expect(apply()).toEqual({});
  });

  test("the base config is not changed", () => {
    const base = { Env: ["A=1"], Labels: { a: "1" } };
    applyChanges(base, ["ENV A=2", "LABEL a=2"]);
    expect(base).toEqual({ Env: ["A=1"], Labels: { a: "1" } });
  });
});

describe("import --change properties (import-changes.fuzz.ts, seeded; scripts/fuzz.ts runs them long)", () => {
  for (const [name, property] of Object.entries(CHANGES_PROPERTIES)) {
    test(name, () => fc.assert(property(), { seed: 8, numRuns: name === "anyChanges" ? 1500 : 500 }), 30_000);
  }

  test("a LABEL or VOLUME named __proto__ is kept (assigned, it set the prototype and vanished)", () => {
    expect(apply("LABEL __proto__=x constructor=y")).toEqual(JSON.parse('{"Labels":{"__proto__":"x","constructor":"y"}}'));
    expect(Object.keys(apply('VOLUME ["__proto__", "/v"]').Volumes!)).toEqual(["/v", "__proto__"]);
  });

  test("${VAR:-${…}} nested 30,000 deep is refused (it overflowed the stack); 100 deep is read", () => {
    const deep = (n: number) => `ENV a=${"${b:-".repeat(n)}x${"}".repeat(n)}`;
    const e = refused(deep(30_000));
    expect([e.code, e.message]).toEqual(["ENGINE_IMPORT_CHANGE_INVALID", `apply change ${JSON.stringify(`${deep(30_000).slice(0, 200)}…`)}: syntax error: substitutions nest deeper than 100`]);
    expect(apply(deep(100)).Env).toEqual(["a=x"]);
  });

  test("a healthcheck duration beyond Go's int64 of nanoseconds is refused (it was stored as 3.6e+32)", () => {
    expect(refused("HEALTHCHECK --interval=99999999999999999999h CMD x").message).toContain("--interval=99999999999999999999h: invalid duration (longer than 2562047h)");
    expect(apply("HEALTHCHECK --interval=2562047h CMD x").Healthcheck!.Interval).toBe(2562047 * 3600e9);
  });
});

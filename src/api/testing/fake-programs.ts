// The processes of the fake daemon's containers and execs (fake-containers.ts): a few programs,
// picked by argv[0], that behave enough like real ones for tests of a client (docker's or
// skiff's) to see output on stdout and stderr, stdin, signals, a tty's echo and size, and exit
// codes. Test code only.
//
//   echo WORDS…        prints WORDS, exits 0
//   script OP…         out:TEXT (a line on stdout), err:TEXT (on stderr), sleep:MS, exit:N
//   cat                copies stdin to stdout until its end, exits 0
//   sleep              runs until a signal ends it
//   trap               prints "trapping", then "got SIG…" for each signal; TERM, INT and KILL end it (128+N)
//   stubborn           ignores TERM; KILL ends it
//   shell              a tty's shell: echoes what is typed, runs lines: `size` (rows cols), `echo …`,
//                      `exit N`; Ctrl-C drops the line ("^C"), Ctrl-D on an empty line exits 0
//   /bin/noexec        cannot be executed (permission denied: docker's 126)
//   anything else      not found (docker's 127)

export const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12, PIPE: 13, ALRM: 14, TERM: 15,
  STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

/** A signal as the kill endpoint takes it ("9", "KILL", "SIGKILL", "kill"), as its name; undefined if unknown. */
export function signalName(s: string): string | undefined {
  if (/^\d+$/.test(s)) return Object.keys(SIGNALS).find((k) => SIGNALS[k] === Number(s));
  const name = s.toUpperCase().replace(/^SIG/, "");
  return Object.hasOwn(SIGNALS, name) ? name : undefined;
}

/** Why a program cannot start, in the words the daemon (runc) uses: they decide docker's 126/127. */
export function startFailure(argv: string[]): string | undefined {
  const name = argv[0] ?? "";
  if (name === "/bin/noexec") return `exec: "${name}": permission denied`;
  if (!Object.hasOwn(PROGRAMS, name)) return name.includes("/") ? `exec: "${name}": stat ${name}: no such file or directory` : `exec: "${name}": executable file not found in $PATH`;
  return undefined;
}

export interface ProcessIo {
  tty: boolean;
  /** Output: stream 1 or 2 (a tty's is all 1). */
  write(stream: 1 | 2, data: string): void;
  exit(code: number): void;
  size(): { rows: number; cols: number };
}

/** What a running program answers to. */
export interface Program {
  stdin?(data: Buffer): void;
  stdinEnd?(): void;
  signal?(name: string): void;
}

type Start = (argv: string[], io: ProcessIo) => Program;

const killedBy = (io: ProcessIo, name: string) => io.exit(128 + (SIGNALS[name] ?? 0));

const PROGRAMS: Record<string, Start> = {
  echo: (argv, io) => {
    io.write(1, `${argv.slice(1).join(" ")}\n`);
    setTimeout(() => io.exit(0), 5);
    return { signal: (s) => killedBy(io, s) };
  },
  script: (argv, io) => {
    let stopped = false;
    void (async () => {
      for (const op of argv.slice(1)) {
        if (stopped) return;
        const [verb, arg = ""] = [op.slice(0, op.indexOf(":")), op.slice(op.indexOf(":") + 1)];
        if (verb === "out") io.write(1, `${arg}\n`);
        else if (verb === "err") io.write(io.tty ? 1 : 2, `${arg}\n`);
        else if (verb === "sleep") await Bun.sleep(Number(arg));
        else if (verb === "exit") return io.exit(Number(arg));
      }
      await Bun.sleep(5);
      io.exit(0);
    })();
    return {
      signal: (s) => {
        stopped = true;
        killedBy(io, s);
      },
    };
  },
  cat: (_argv, io) => ({
    stdin: (d) => io.write(1, io.tty ? d.toString("latin1").replace(/\r/g, "\r\n") : d.toString("latin1")),
    stdinEnd: () => io.exit(0),
    signal: (s) => killedBy(io, s),
  }),
  sleep: (_argv, io) => ({ signal: (s) => (s === "WINCH" || s === "CHLD" || s === "URG" ? undefined : killedBy(io, s)) }),
  trap: (_argv, io) => {
    io.write(1, "trapping\n");
    return {
      signal: (s) => {
        if (s !== "KILL") io.write(1, `got SIG${s}\n`);
        if (s === "TERM" || s === "INT" || s === "KILL") killedBy(io, s);
      },
    };
  },
  stubborn: (_argv, io) => ({ signal: (s) => (s === "KILL" ? killedBy(io, s) : io.write(1, `ignoring SIG${s}\n`)) }),
  shell: (_argv, io) => {
    let line = "";
    const prompt = () => io.write(1, "$ ");
    const run = (cmd: string) => {
      const [word, ...rest] = cmd.trim().split(/\s+/);
      if (word === "size") io.write(1, `${io.size().rows} ${io.size().cols}\r\n`);
      else if (word === "echo") io.write(1, `${rest.join(" ")}\r\n`);
      else if (word === "exit") return io.exit(Number(rest[0] ?? 0)), true;
      else if (word) io.write(1, `shell: ${word}: not found\r\n`);
      return false;
    };
    setTimeout(prompt, 5);
    return {
      stdin: (d) => {
        for (const ch of d.toString("latin1")) {
          if (ch === "\r" || ch === "\n") {
            io.write(1, "\r\n");
            const cmd = line;
            line = "";
            if (run(cmd)) return;
            prompt();
          } else if (ch === "\x03") {
            io.write(1, "^C\r\n");
            line = "";
            prompt();
          } else if (ch === "\x04" && !line) return io.exit(0);
          else if (ch === "\x7f") line = line.slice(0, -1);
          else {
            line += ch;
            io.write(1, ch);
          }
        }
      },
      stdinEnd: () => io.exit(0),
      signal: (s) => (s === "WINCH" ? undefined : killedBy(io, s)),
    };
  },
};

/** Starts argv[0]'s program (startFailure must have said it can start). */
export function startProgram(argv: string[], io: ProcessIo): Program {
  return PROGRAMS[argv[0]!]!(argv, io);
}

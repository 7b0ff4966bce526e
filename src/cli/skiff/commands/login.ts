// skiff login and logout: the daemon checks the credentials with the registry (POST /auth), the
// CLI keeps them as docker does (docker-config.ts): in the credential helper the config names
// (credHelpers, credsStore), else in config.json's `auths`; logout erases them from the same place.
//
// As docker's login: with neither -u nor -p, credentials stored for the server are tried first
// ("Authenticating with existing credentials..."); what is still missing is asked for on the
// terminal: "Username: " (echoed; "Username (NAME): " offers the stored one) and "Password: "
// (not echoed: the terminal is put in raw mode for it and restored afterwards, also on Ctrl-C,
// SIGTERM and SIGHUP). Without a terminal on stdin there is no prompt: the credentials must come
// from -u and -p or --password-stdin, else the login fails with docker's words.
import { readFileSync } from "node:fs";
import type { ReadStream } from "node:tty";
import { isatty } from "../termios.ts";
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { invalid, isSkiffError, precondition } from "../../../common/errors.ts";
import type { RegistryAuth } from "../../../api/client.ts";
import { DockerConfig, HUB_SERVER, serverKey } from "../docker-config.ts";
import { str, type CommandContext } from "../command.ts";

/** Exit status after Ctrl-C at a prompt: what a shell reports for a program SIGINT ended. */
export const EXIT_INTERRUPTED = 130;

/** Signals that would end skiff with the terminal still raw: restored first, then the status a shell shows. */
const SIGNALS = { SIGINT: 2, SIGHUP: 1, SIGTERM: 15 } as const;

const HUB_GREETING = "Login with your Docker ID to push and pull images from Docker Hub. If you don't have a Docker ID, head over to https://hub.docker.com to create one.\n";

export async function login({ client, flags, args }: CommandContext): Promise<number> {
  const server = serverKey(args[0]);
  let username = str(flags.username)?.trim() || undefined;
  let password = str(flags.password) || undefined;
  if (flags["password-stdin"]) {
    if (password) throw invalid("cli", "CLI_LOGIN_FLAGS", "--password and --password-stdin are mutually exclusive", "pass one of them");
    if (!username) throw invalid("cli", "CLI_LOGIN_FLAGS", "Must provide --username with --password-stdin", "skiff login -u USER --password-stdin");
    password = readFileSync(0, "utf8").replace(/\r?\n$/, "");
    if (!password) throw precondition("cli", "CLI_LOGIN_PASSWORD_REQUIRED", "Password Required", "pass the password on stdin: skiff login -u USER --password-stdin < FILE");
  } else if (password) writeErr("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");

  const config = DockerConfig.load();
  // what is stored is tried first, and its user name offered at the prompt (asked for once: a helper may want a passphrase)
  const stored: RegistryAuth | undefined = username ? undefined : config.lookup(server);
  if (!username && !password) {
    if (stored) {
      writeOut("Authenticating with existing credentials...\n");
      try {
        const res = await client.auth(stored);
        writeOut(`${res.Status || "Login Succeeded"}\n`);
        return 0;
      } catch (e) {
        if (!isSkiffError(e) || e.code !== "IMAGE_REGISTRY_UNAUTHORIZED") throw e;
        writeErr(`Login did not succeed, error: ${e.message}\n`);
      }
    }
  }
  if (!username || !password) ({ username, password } = await prompt(server, username, password, stored?.username));

  const res = await client.auth({ username, password, serveraddress: server });
  // as docker: a token the registry gave replaces the password
  const saved = config.save(server, res.IdentityToken ? { username, identitytoken: res.IdentityToken } : { username, password });
  if (!saved.helper) writeErr(`WARNING! Your password will be stored unencrypted in ${config.path}.\n`);
  writeOut(`${res.Status || "Login Succeeded"}\n`);
  return 0;
}

/** Asks for what is missing on the terminal, as docker's ConfigureAuth does. */
async function prompt(server: string, username: string | undefined, password: string | undefined, known: string | undefined): Promise<{ username: string; password: string }> {
  if (!isatty(0)) throw precondition("cli", "CLI_LOGIN_NO_TTY", "Cannot perform an interactive login from a non TTY device", "pass the credentials: skiff login -u USER --password-stdin SERVER < FILE");
  const input = new TerminalInput(process.stdin as ReadStream);
  try {
    if (!username) {
      if (server === HUB_SERVER) writeOut(HUB_GREETING);
      writeOut(known ? `Username (${known}): ` : "Username: ");
      username = (await input.line()).trim() || known;
      if (!username) throw precondition("cli", "CLI_LOGIN_USERNAME_REQUIRED", "Non-null Username Required", "type the user name at the prompt, or pass -u USER");
    }
    if (!password) {
      password = await input.secret("Password: ");
      if (!password) throw precondition("cli", "CLI_LOGIN_PASSWORD_REQUIRED", "Password Required", "type the password at the prompt, or pass it with --password-stdin");
    }
    return { username, password };
  } finally {
    input.close();
  }
}

/**
 * Lines typed on the terminal on stdin: echoed ones in the terminal's own (canonical) mode, where
 * the kernel edits the line; secret ones in raw mode, without echo, edited here (Backspace, Ctrl-U),
 * ended by Enter, abandoned by Ctrl-C (the terminal restored, then exit 130). Ctrl-D on an empty
 * line ends the input (an empty answer).
 */
class TerminalInput {
  private raw = false;
  /** The input ended (Ctrl-D on an empty line, the terminal hung up): every later read is empty. */
  private ended = false;
  private readonly restoreAndExit = (signal: NodeJS.Signals) => {
    this.restore();
    writeOut("\n");
    process.exit(128 + SIGNALS[signal as keyof typeof SIGNALS]);
  };

  constructor(private readonly stdin: ReadStream) {}

  /** One line as the terminal's line discipline delivers it (echoed), without its newline. */
  line(): Promise<string> {
    return this.read((text, done) => {
      const nl = text.indexOf("\n");
      if (nl >= 0) done(text.slice(0, nl).replace(/\r$/, ""));
    });
  }

  /** Writes `prompt` once echo is off (so nothing typed after it shows), then reads a line unseen. */
  async secret(prompt: string): Promise<string> {
    this.stdin.setRawMode(true);
    this.raw = true;
    for (const sig of Object.keys(SIGNALS)) process.once(sig, this.restoreAndExit);
    writeOut(prompt);
    let typed: string[] = [];
    try {
      return await this.read((text, done) => {
        for (const ch of text) {
          if (ch === "\r" || ch === "\n") return done(typed.join(""));
          if (ch === "\x03") {
            this.restore();
            writeOut("\n");
            process.exit(EXIT_INTERRUPTED);
          }
          if (ch === "\x04") {
            if (!typed.length) return done("");
          } else if (ch === "\x7f" || ch === "\b") typed.pop();
          else if (ch === "\x15") typed = [];
          else if (ch >= " ") typed.push(ch);
        }
      }, true);
    } finally {
      this.restore();
      writeOut("\n");
    }
  }

  /** Feeds what arrives (decoded, each piece once: `consume` gets only the new text when `fresh`) to `consume` until it calls done. */
  private read(consume: (text: string, done: (s: string) => void) => void, fresh = false): Promise<string> {
    if (this.ended) return Promise.resolve("");
    return new Promise<string>((resolve) => {
      const decoder = new TextDecoder();
      let text = "";
      let finished = false;
      const done = (s: string) => {
        if (finished) return;
        finished = true;
        this.stdin.off("data", onData);
        this.stdin.off("end", onEnd);
        this.stdin.pause();
        resolve(s);
      };
      const onData = (chunk: Buffer) => {
        const piece = decoder.decode(chunk, { stream: true });
        text = fresh ? piece : text + piece;
        consume(text, done);
      };
      const onEnd = () => {
        this.ended = true;
        if (!fresh) writeOut("\n"); // Ctrl-D is not echoed: what follows starts on a line of its own
        done(fresh ? "" : text);
      };
      this.stdin.on("data", onData);
      this.stdin.once("end", onEnd);
      this.stdin.resume();
    });
  }

  private restore(): void {
    if (!this.raw) return;
    this.raw = false;
    for (const sig of Object.keys(SIGNALS)) process.off(sig, this.restoreAndExit);
    try {
      this.stdin.setRawMode(false);
    } catch {
      // the terminal went away
    }
  }

  close(): void {
    this.restore();
    this.stdin.pause();
  }
}

export async function logout({ args }: CommandContext): Promise<number> {
  const server = serverKey(args[0]);
  writeOut(DockerConfig.load().remove(server) ? `Removing login credentials for ${server}\n` : `Not logged in to ${server}\n`);
  return 0;
}

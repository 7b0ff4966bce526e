// A process's terminal and the console socket its pty's master goes to, checked as runc checks
// them before anything is made: a detached process with a terminal needs the socket (nobody else
// could hold the master), and a socket is only for a detached process with a terminal (a
// foreground run uses the caller's terminal; a process without one has no master to send).
// runc's words, which engines and users already know.
import { invalid } from "../common/errors.ts";

export function checkConsole(what: string, o: { detach: boolean; terminal: boolean; consoleSocket?: string }): void {
  if (o.detach && o.terminal && !o.consoleSocket)
    throw invalid("runtime", "RUNTIME_CONSOLE_SOCKET_MISSING", `${what}: cannot allocate tty if runc will detach without setting console socket`, "pass --console-socket PATH (a unix socket that takes the pty's master), or run without a terminal");
  if ((!o.detach || !o.terminal) && o.consoleSocket)
    throw invalid("runtime", "RUNTIME_CONSOLE_SOCKET_UNUSED", `${what}: cannot use console socket if runc will not detach or allocate tty`, o.terminal ? "drop --console-socket, or detach (create, run --detach, exec --detach)" : "drop --console-socket, or give the process a terminal (process.terminal, exec --tty)");
}

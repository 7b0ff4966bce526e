// The monitor's messages, defined once: scripts/gen-monitor-header.ts writes native/gen/monitor.h
// from this file, so no number here is written a second time by hand in C.
//
// Three channels, all little-endian (the host's order on x86_64 and arm64):
//  1. start-up: the monitor's stdout, a pipe the engine reads; RECORD_SIZE-byte records
//     {type, step, errno, value} (START_MSG), closed after `ready` (or after the error that ended it).
//  2. the attach socket (a unix stream socket, mode 0600): a connection sends RECORD_SIZE-byte
//     requests {type, a, b, c} and gets RECORD_SIZE-byte replies {type, 0, errno, value}. After an
//     `attach` reply of `ok` the connection carries the container's output (in docker's 8-byte
//     multiplexed frames when asked for, else raw) one way and stdin the other; the client's
//     half-close closes the container's stdin when the monitor runs with --stdin-once.
//  3. the exit file: one text line "WAITSTATUS SECONDS NANOSECONDS\n" (EXIT_FILE_FORMAT), written
//     to a temp file, fsynced and renamed over the path, when the container's init is reaped.

/** Every record on the start-up pipe and the socket: four 32-bit integers. */
export const RECORD_SIZE = 16;

/** Start-up messages, in the order they come: listening, [createExited], initPid, ready; or error. */
export const START_MSG = {
  /** The attach socket accepts connections (value: the monitor's pid). With --attach-first the
   *  create command waits for the first attach. */
  listening: 1,
  /** The create command exited (value: its wait status). Not sent without --pid-file: the command
   *  is then the container's process itself. */
  createExited: 2,
  /** value: the pid of the container's init (or of the exec's process). */
  initPid: 3,
  /** stdio held (and the pty master, with --tty), the socket served: the pipe closes after this. */
  ready: 4,
  /** A start-up step failed: step (START_STEP), errno, value (a detail: an argument's index). */
  error: 5,
} as const;

/** The steps a start-up error names, with the words the engine's error uses. */
export const START_STEP = {
  arguments: { code: 1, what: "read the monitor's arguments" },
  detach: { code: 2, what: "detach from the engine (fork, setsid)" },
  subreaper: { code: 3, what: "become the subreaper of the container" },
  signals: { code: 4, what: "set up signal handling" },
  openLog: { code: 5, what: "open the log file" },
  listen: { code: 6, what: "listen on the attach socket" },
  consoleListen: { code: 7, what: "listen on the console socket" },
  pipes: { code: 8, what: "make the container's stdio pipes" },
  fork: { code: 9, what: "fork the create command" },
  exec: { code: 10, what: "run the create command" },
  console: { code: 11, what: "receive the pty master on the console socket" },
  pidFile: { code: 12, what: "read the pid file" },
  accept: { code: 13, what: "wait for the first attach" },
  /** The create command exited, no process of the container is left, and no pid file came within
   *  --pid-file-wait (errno ETIMEDOUT): the exit is recorded as NO_INIT_STATUS. */
  pidFileWait: { code: 14, what: "wait for the pid file naming the container's process" },
} as const satisfies Record<string, { code: number; what: string }>;

export type StartStep = keyof typeof START_STEP;

/** Requests on the attach socket: {type, a, b, c}. */
export const REQUEST = {
  /** a: ATTACH flags. Replied `ok`, then the streams follow; no further requests on it. */
  attach: 1,
  /** a: rows, b: columns. Replied `ok`, or `error` (ENOTTY without a pty). */
  resize: 2,
  /** Replied `exited` (value: the init's wait status) once the container exited and its output
   *  was drained, at once if that has happened. */
  wait: 3,
} as const;

/** Flags of an attach request. */
export const ATTACH = { stdin: 1, stdout: 2, stderr: 4, multiplex: 8 } as const;

/** Replies on the attach socket: {type, 0, errno, value}. */
export const REPLY = { ok: 1, error: 2, exited: 3 } as const;

/** The stream byte of docker's multiplexed frames: [stream, 0, 0, 0, u32 big-endian length]. */
export const STREAM = { stdin: 0, stdout: 1, stderr: 2 } as const;
export const FRAME_HEADER_SIZE = 8;

/** The exit file's status when no pid file named the container's process: its exit could not be
 *  told from the others' (no wait status is negative). */
export const NO_INIT_STATUS = -1;
/** printf format of the exit file's one line: wait status, seconds and nanoseconds since the epoch. */
export const EXIT_FILE_FORMAT = "%d %lld %09ld\n";

// A docker-credential-NAME of our own for tests: docker-credential-helpers' protocol (get, store,
// erase) over one file per server in $FAKE_CREDENTIALS_DIR, each call logged to calls.log there.
// Two servers misbehave on purpose: "broken.example" (exit 2, "store locked" on stderr) and
// "echo.example" (store fails and echoes what it was given, secret included).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = `#!/bin/sh
dir=\${FAKE_CREDENTIALS_DIR:?FAKE_CREDENTIALS_DIR is not set}
verb=$1
input=$(cat)
printf '%s %s\\n' "$verb" "$input" >> "$dir/calls.log"
key() { printf %s "$1" | tr -c 'A-Za-z0-9.-' _; }
case "$verb" in
  get|erase) server=$input ;;
  store) server=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p') ;;
  *) echo "unknown verb $verb" >&2; exit 2 ;;
esac
case "$server" in
  broken.example) echo 'store locked' >&2; exit 2 ;;
  echo.example) echo "cannot store $input" >&2; exit 3 ;;
esac
f="$dir/$(key "$server").json"
case "$verb" in
  get) if [ -f "$f" ]; then cat "$f"; else echo 'credentials not found in native keychain'; exit 1; fi ;;
  store) printf %s "$input" > "$f" ;;
  erase) if [ -f "$f" ]; then rm "$f"; else echo 'credentials not found in native keychain'; exit 1; fi ;;
esac
`;

/** Writes bin/docker-credential-NAME; its store is the FAKE_CREDENTIALS_DIR of its environment. */
export function installFakeHelper(bin: string, name: string): string {
  mkdirSync(bin, { recursive: true });
  const file = join(bin, `docker-credential-${name}`);
  writeFileSync(file, SCRIPT, { mode: 0o755 });
  return file;
}

/** The file the fake helper keeps a server's credentials in (what `store` writes, `get` answers). */
export const fakeHelperEntryPath = (dir: string, server: string): string => join(dir, `${server.replace(/[^A-Za-z0-9.-]/g, "_")}.json`);

/** Puts credentials for `server` in the fake helper's store, as its `store` would. */
export function fakeHelperEntry(dir: string, server: string, username: string, secret: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(fakeHelperEntryPath(dir, server), JSON.stringify({ ServerURL: server, Username: username, Secret: secret }));
}

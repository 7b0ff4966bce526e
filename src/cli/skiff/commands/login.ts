// skiff login and logout: the daemon checks the credentials with the registry (POST /auth), the
// CLI keeps them in docker's config.json as docker does.
import { readFileSync } from "node:fs";
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { invalid } from "../../../common/errors.ts";
import { readConfig, serverKey, writeConfig, configPath } from "../docker-config.ts";
import { str, type CommandContext } from "../command.ts";

export async function login({ client, flags, args }: CommandContext): Promise<number> {
  const username = str(flags.username);
  let password = str(flags.password);
  if (flags["password-stdin"]) {
    if (password) throw invalid("cli", "CLI_LOGIN_FLAGS", "--password and --password-stdin are mutually exclusive", "pass one of them");
    if (!username) throw invalid("cli", "CLI_LOGIN_FLAGS", "Must provide --username with --password-stdin", "skiff login -u USER --password-stdin");
    password = readFileSync(0, "utf8").replace(/\r?\n$/, "");
  } else if (password) writeErr("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  if (!username || !password) throw invalid("cli", "CLI_LOGIN_FLAGS", "login: a username and a password are needed (no interactive prompt)", "skiff login -u USER --password-stdin < FILE");
  const server = serverKey(args[0]);
  const res = await client.auth({ username, password, serveraddress: server });
  const config = readConfig();
  config.auths ??= {};
  config.auths[server] = res.IdentityToken ? { auth: "", identitytoken: res.IdentityToken } : { auth: Buffer.from(`${username}:${password}`).toString("base64") };
  writeConfig(config);
  writeErr(`WARNING! Your password will be stored unencrypted in ${configPath()}.\n`);
  writeOut(`${res.Status || "Login Succeeded"}\n`);
  return 0;
}

export async function logout({ args }: CommandContext): Promise<number> {
  const server = serverKey(args[0]);
  const config = readConfig();
  if (!config.auths?.[server]) {
    writeOut(`Not logged in to ${server}\n`);
    return 0;
  }
  writeOut(`Removing login credentials for ${server}\n`);
  delete config.auths[server];
  writeConfig(config);
  return 0;
}

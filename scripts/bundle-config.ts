// bundle-config.ts DIR [ARGS...]: writes DIR/config.json: the default spec, without a terminal.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { defaultSpec } from "../src/runtime/spec-default.ts";

const [dir, ...args] = process.argv.slice(2);
const spec = defaultSpec() as { process: { terminal: boolean; args: string[] }; hostname: string };
spec.process.terminal = false;
spec.process.args = args.length ? args : ["sh", "-c", 'echo "hello from $(hostname), a skiff container: $(uname -s) pid $$"'];
spec.hostname = "skiff";
writeFileSync(join(dir!, "config.json"), JSON.stringify(spec, null, 2));

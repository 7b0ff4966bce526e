// Entry point of the skiffd executable.
import { main } from "./main.ts";

main(process.argv.slice(2)).then((code) => process.exit(code));

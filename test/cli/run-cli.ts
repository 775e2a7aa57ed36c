import { main } from "../../src/cli/main.js";

/** Runs the `mandate` command in-process, as a user would from a terminal without colour, and captures it. */
export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    io: { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) },
    color: false,
    interactive: false,
  });
  return { code, out, err };
}

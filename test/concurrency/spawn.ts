import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const HOOKS = new URL("../fixtures/ts-hooks.ts", import.meta.url).href;

/**
 * Runs a TypeScript script in a separate Node process straight from the sources. Unlike test/stores/spawn.ts it
 * transforms rather than strips types, because the Guard's core uses TypeScript-only syntax (parameter
 * properties); the hooks map `.js` imports to `.ts`. `url` is the script's URL (`new URL("./x.ts", import.meta.url)`).
 */
export function spawnTs(url: URL, args: readonly string[]): ChildProcessWithoutNullStreams {
  const flags = [
    "--experimental-transform-types",
    "--disable-warning=ExperimentalWarning",
    "--import",
    HOOKS,
  ];
  return spawn(process.execPath, [...flags, fileURLToPath(url), ...args], { stdio: "pipe" });
}

export { watchChild } from "../stores/spawn.js";

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HOOKS = new URL("../fixtures/ts-hooks.ts", import.meta.url).href;
// Node 23.6+ strips types by default; 22.x needs the flag.
const STRIP_TYPES = process.features.typescript ? [] : ["--experimental-strip-types"];

/**
 * Runs a TypeScript script from test/fixtures in a separate Node process, straight from the sources (Node strips
 * the types; the hooks map `.js` imports to `.ts`), so it needs no build.
 */
export function spawnFixture(name: string, args: readonly string[]): ChildProcessWithoutNullStreams {
  const script = fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  const flags = [...STRIP_TYPES, "--disable-warning=ExperimentalWarning", "--import", HOOKS];
  return spawn(process.execPath, [...flags, script, ...args], { stdio: "pipe" });
}

/** Calls `onLine` for each line the child prints; resolves with its exit code and stderr when it ends. */
export function watchChild(
  child: ChildProcessWithoutNullStreams,
  onLine: (line: string) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  lines.on("line", onLine);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    // `close`, not `exit`: every line the child wrote has been read by then.
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

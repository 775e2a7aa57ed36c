import type { Suite } from "../suite.js";

/** The built-in suites, loaded on demand so that importing the evaluation does not load every suite. */
export const BUILT_IN_SUITES = ["banking", "workspace", "devops"] as const;
export type BuiltInSuite = (typeof BUILT_IN_SUITES)[number];

export async function loadSuite(name: BuiltInSuite): Promise<Suite<unknown>> {
  switch (name) {
    case "banking":
      return (await import("./banking/index.js")).banking as Suite<unknown>;
    case "workspace":
      return (await import("./workspace/index.js")).workspace as Suite<unknown>;
    case "devops":
      return (await import("./devops/index.js")).devops as Suite<unknown>;
  }
}

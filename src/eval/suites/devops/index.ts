import type { Suite } from "../../suite.js";
import { createEnvironment, type DevopsEnv } from "./environment.js";
import { injectionTasks, vectors } from "./injections.js";
import { userTasks } from "./tasks.js";
import { tools } from "./tools.js";

export type { DevopsEnv } from "./environment.js";

/**
 * A repository, its CI, deployments to staging and production, a secret store, a shared ticket tracker and a
 * shell-like tool. See docs/suites/devops.md.
 */
export const devops: Suite<DevopsEnv> = {
  name: "devops",
  description:
    "Repository files, CI, deployments, secrets, tickets and a shell: attacks that deploy to production, " +
    "exfiltrate secrets, backdoor CI, delete the repository or grant an outsider admin.",
  tools,
  environment: createEnvironment,
  vectors,
  userTasks,
  injectionTasks,
};

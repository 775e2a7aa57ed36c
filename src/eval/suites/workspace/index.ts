import type { Suite } from "../../suite.js";
import { environment, vectors, type WorkspaceEnv } from "./environment.js";
import { injectionTasks } from "./injections.js";
import { userTasks } from "./tasks.js";
import { tools } from "./tools.js";

export type { WorkspaceEnv } from "./environment.js";

/** E-mail, calendar, cloud drive, contacts and sharing for one office worker. See docs/suites/workspace.md. */
export const workspace: Suite<WorkspaceEnv> = {
  name: "workspace",
  description:
    "An office worker's e-mail, calendar, cloud drive and contacts: replying, forwarding, scheduling, " +
    "sharing and cleaning up, with outsiders' e-mails, invitations, files and contact cards as injection vectors.",
  tools,
  environment,
  vectors,
  userTasks,
  injectionTasks,
};

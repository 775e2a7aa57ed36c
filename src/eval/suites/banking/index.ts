import type { Suite } from "../../suite.js";
import { type BankingEnv, environment, vectors } from "./environment.js";
import { injectionTasks } from "./injections.js";
import { userTasks } from "./tasks.js";
import { tools } from "./tools.js";

export type { BankingEnv, ScheduledTransaction, Transaction, UserInfo } from "./environment.js";

/**
 * Banking: a current account with transfers, standing orders, bills, letters and statements in files.
 * Attacker text arrives in the places a real assistant reads: bills and letters from payees, a shared note,
 * the subject of an incoming transfer, a statement row, a payee's note on a standing order. See
 * docs/suites/banking.md.
 */
export const banking: Suite<BankingEnv> = {
  name: "banking",
  description:
    "A current account: balance, transfers, standing orders, profile, and bills, letters and statements in files.",
  tools,
  environment,
  vectors,
  userTasks,
  injectionTasks,
};

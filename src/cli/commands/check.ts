import { compile } from "../../core/compile.js";
import { decide } from "../../core/decide.js";
import { EXIT } from "../exit-codes.js";
import { type Output, parseJsonArg, parseTime, readCatalog, readMandate } from "../io.js";
import { paint, renderDecision } from "../render.js";

export interface CheckOptions {
  readonly mandate: string;
  readonly tools?: string;
  readonly tool: string;
  readonly args?: string;
  readonly callId?: string;
  readonly now?: string;
  readonly json?: boolean;
  readonly color: boolean;
}

/** Decides one call, without running anything; the exit status is the verdict (0 allow, 1 deny, 2 ask). */
export function checkCommand(opts: CheckOptions, io: Output): number {
  const catalog = readCatalog(opts.tools);
  const { mandate } = readMandate(opts.mandate, io, catalog);
  const now = parseTime(opts.now, "--now") ?? Date.now();
  const compiled = compile(mandate, { ...(catalog ? { catalog } : {}), now });
  const args = opts.args === undefined ? {} : parseJsonArg(opts.args, "--args");
  const decision = decide(compiled, { tool: opts.tool, args, callId: opts.callId ?? "cli" }, { now });
  io.out(opts.json ? JSON.stringify(decision, null, 2) : renderDecision(decision, paint(opts.color)));
  return decision.verdict === "allow" ? EXIT.ok : decision.verdict === "ask" ? EXIT.ask : EXIT.deny;
}

import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Approver } from "../guard/approver.js";
import { describeRequest } from "./render.js";

export interface TerminalApproverOptions {
  readonly input?: Readable;
  readonly output?: Writable;
}

/**
 * Shows the call and waits for `y`. Anything else, end of input, or the Guard's timeout is "no". Without a
 * terminal (input not a TTY, and no stream given) it answers "no" at once rather than hang a pipeline.
 */
export function terminalApprover(opts: TerminalApproverOptions = {}): Approver {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  return {
    name: "terminal",
    approve(request, signal) {
      if (opts.input === undefined && !process.stdin.isTTY) {
        return Promise.resolve({ approved: false, reason: "no terminal to ask on" });
      }
      return new Promise((resolve) => {
        const rl = createInterface({ input, output, terminal: false });
        let settled = false;
        const finish = (approved: boolean, reason: string): void => {
          if (settled) return;
          settled = true;
          signal.removeEventListener("abort", onAbort);
          rl.close();
          resolve({ approved, by: "terminal", reason });
        };
        const onAbort = (): void => finish(false, "no answer in time");
        signal.addEventListener("abort", onAbort);
        rl.on("close", () => finish(false, "no answer (end of input)"));
        output.write(`\n${describeRequest(request)}\nApprove this call? [y/N] `);
        rl.once("line", (line) => {
          const yes = /^\s*y(es)?\s*$/i.test(line);
          finish(yes, yes ? "approved at the terminal" : "refused at the terminal");
        });
      });
    },
  };
}

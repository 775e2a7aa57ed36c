import type { Command } from "commander";
import { attenuate } from "../../core/attenuate.js";
import { EXIT } from "../exit-codes.js";
import { type Output, parseTime, readMandate } from "../io.js";

export interface AttenuateOptions {
  readonly parent: string;
  readonly child: string;
  readonly now?: string;
  readonly json?: boolean;
}

/** Whether the child mandate grants nothing the parent does not: exit 0 when it is an attenuation, 1 otherwise. */
export function attenuateCommand(opts: AttenuateOptions, io: Output): number {
  const { mandate: parent } = readMandate(opts.parent, io);
  const { mandate: child } = readMandate(opts.child, io);
  const now = parseTime(opts.now, "--now") ?? Date.now();
  const result = attenuate(parent, child, { now });
  if (opts.json) io.out(JSON.stringify(result, null, 2));
  else if (result.ok)
    io.out(`${opts.child}: an attenuation of ${opts.parent}: it grants nothing the parent does not`);
  else {
    io.out(`${opts.child}: not an attenuation of ${opts.parent}:`);
    for (const gap of result.wider)
      io.out(`  ${opts.child}: ${gap.field === "" ? "" : `${gap.field}: `}${gap.message}`);
  }
  return result.ok ? EXIT.ok : EXIT.deny;
}

export function registerAttenuateCommand(program: Command, io: Output, set: (code: number) => void): void {
  program
    .command("attenuate")
    .description("check that a child mandate grants nothing its parent does not; exit 0 yes, 1 no")
    .requiredOption("--parent <file>", "the parent mandate (YAML or JSON)")
    .requiredOption("--child <file>", "the child mandate (YAML or JSON)")
    .option("--now <time>", "compare validity as of this ISO 8601 time")
    .option("--json", "print the result as JSON")
    .action((o: AttenuateOptions) => set(attenuateCommand(o, io)));
}

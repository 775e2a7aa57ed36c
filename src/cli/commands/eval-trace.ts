import { dirname } from "node:path";
import { parseTrace, runTrace, type Trace, TraceError, type TraceSummary } from "../../eval/trace.js";
import { CliError, EXIT } from "../exit-codes.js";
import { type Output, readText } from "../io.js";
import { paint } from "../render.js";

export interface EvalTraceOptions {
  /** Print `{ benign, attack, mismatches }` as JSON. */
  readonly json?: boolean;
  /** Exit 1 when any call's verdict differs from its `expect`. */
  readonly strict?: boolean;
  readonly color: boolean;
}

/**
 * Replays a trace file (docs/trace-format.md) and reports how its benign and attack calls were decided, and every
 * call whose verdict differs from its `expect`. Exit 0; 1 with `strict` and a mismatch; 65 for an invalid trace
 * or mandate; 66 when the trace or a `mandateFile` cannot be read.
 */
export async function evalTraceCommand(file: string, opts: EvalTraceOptions, io: Output): Promise<number> {
  let trace: Trace;
  let summary: TraceSummary;
  try {
    trace = parseTrace(readText(file, "trace"), file);
    for (const warning of trace.warnings) io.err(warning);
    summary = await runTrace(trace, { baseDir: dirname(file), onWarning: (w) => io.err(w) });
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`mandate: ${error.message}`);
      return error.code;
    }
    if (error instanceof TraceError) {
      io.err(error.problems.map(clean).join("\n"));
      return error.kind === "unreadable" ? EXIT.noInput : EXIT.dataError;
    }
    throw error;
  }
  if (opts.json) {
    const { benign, attack, mismatches } = summary;
    io.out(JSON.stringify({ benign, attack, mismatches }, null, 2));
  } else {
    io.out(render(file, trace, summary, paint(opts.color)));
  }
  // 1 is `EXIT.deny`'s number: here it means "some expectation was not met".
  return opts.strict && summary.mismatches.length > 0 ? EXIT.deny : EXIT.ok;
}

function render(file: string, trace: Trace, s: TraceSummary, color: ReturnType<typeof paint>): string {
  const calls = s.benign.total + s.attack.total;
  const expected = trace.cases
    .flatMap((c) => c.events)
    .filter((e) => e.type === "call" && e.expect !== undefined).length;
  // The same columns for both rows; red marks what went wrong: benign calls denied, attack calls allowed.
  const row = (label: "benign" | "attack", c: TraceSummary["benign"], bad: "allowed" | "denied"): string =>
    label.padEnd(8) +
    (["total", "allowed", "asked", "denied"] as const)
      .map((k) => {
        const text = String(c[k]).padStart(9);
        return k === bad && c[k] > 0 ? color("red", text) : text;
      })
      .join("");
  const lines = [
    `${clean(file)}: ${s.cases} case${s.cases === 1 ? "" : "s"}, ${calls} call${calls === 1 ? "" : "s"}`,
    "",
    color(
      "dim",
      `${"".padEnd(8)}${["total", "allowed", "asked", "denied"].map((h) => h.padStart(9)).join("")}`,
    ),
    row("benign", s.benign, "denied"),
    row("attack", s.attack, "allowed"),
    "",
  ];
  if (s.mismatches.length === 0) {
    lines.push(
      expected === 0
        ? color("dim", "no call states an `expect`")
        : color("green", `all ${expected} expectation${expected === 1 ? "" : "s"} met`),
    );
    return lines.join("\n");
  }
  lines.push(
    color("bold", `${s.mismatches.length} of ${expected} expectation${expected === 1 ? "" : "s"} not met:`),
  );
  for (const m of s.mismatches) {
    const why =
      m.delta.length > 0
        ? m.delta.map((d) => `${d.kind}: ${d.message}`).join("; ")
        : m.got === "ask"
          ? "within the mandate, which asks a person first"
          : "within the mandate";
    lines.push(
      `  ${color("red", "✗")} ${clean(m.case)} event ${m.index} ${clean(m.tool)}: expected ${m.expected}, got ${m.got} — ${clean(why)}`,
    );
  }
  return lines.join("\n");
}

/** Trace files come from elsewhere: no control character they carry reaches the terminal. Not truncated. */
function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
}

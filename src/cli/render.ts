import { styleText } from "node:util";
import type { AuthorityDeltaItem, Decision } from "../core/decision.js";
import { pointerToField } from "../core/issue.js";
import type { AuditEntry } from "../guard/audit-record.js";
import { oneLine } from "../approvers/render.js";

type Style = Parameters<typeof styleText>[0];

/** Colour only for a terminal, and never when NO_COLOR is set. */
export function paint(enabled: boolean): (style: Style, text: string) => string {
  return (style, text) => (enabled ? styleText(style, text) : text);
}

const VERDICT_STYLE = { allow: "green", deny: "red", ask: "yellow" } as const;

export function verdictLabel(verdict: "allow" | "deny" | "ask", color: ReturnType<typeof paint>): string {
  return color(["bold", VERDICT_STYLE[verdict]], verdict.toUpperCase().padEnd(5));
}

export function deltaLines(
  delta: readonly AuthorityDeltaItem[],
  color: ReturnType<typeof paint>,
  indent = "  ",
): string[] {
  return delta.map((d) => {
    const where = d.rule === undefined ? "" : color("dim", `  [${pointerToField(d.rule)}]`);
    return `${indent}${color("red", "✗")} ${d.kind.padEnd(10)} ${oneLine(d.message)}${where}`;
  });
}

/** A decision for people: the verdict, the reason, and every delta item. */
export function renderDecision(d: Decision, color: ReturnType<typeof paint>): string {
  const head = `${verdictLabel(d.verdict, color)} ${oneLine(d.tool)}  ${color("dim", `mandate ${d.mandateId}`)}`;
  const lines = [head, `  ${oneLine(d.reason)}`, ...deltaLines(d.delta, color)];
  if (d.charges.length > 0) {
    lines.push(`  budget: ${d.charges.map((c) => `${c.label} +${c.amount} (limit ${c.limit})`).join(", ")}`);
  }
  return lines.join("\n");
}

export function renderEntryLine(e: AuditEntry, color: ReturnType<typeof paint>): string {
  const verdict =
    e.event === "outcome" ? color("dim", `→ ${e.outcome}`.padEnd(5)) : verdictLabel(e.verdict, color);
  const ran = e.event === "decision" && e.mode === "shadow" ? color("dim", " (shadow)") : "";
  const first = e.event === "decision" && e.delta[0] ? `  ${oneLine(e.delta[0].message)}` : "";
  return `${String(e.seq).padStart(5)}  ${e.time}  ${verdict} ${oneLine(e.tool)}${ran}${first}`;
}

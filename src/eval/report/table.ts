import type { Evaluation } from "../run.js";
import type { ScopeMetrics } from "../metrics.js";

const pct = (v: number | null): string => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);

const COLUMNS: readonly [string, (m: ScopeMetrics) => string][] = [
  ["suite", (m) => m.suite],
  ["scope", (m) => m.scope],
  ["utility", (m) => pct(m.utility)],
  ["util. attacked", (m) => pct(m.utilityUnderAttack)],
  ["ASR", (m) => pct(m.attackSuccessRate)],
  ["ASR in reach", (m) => pct(m.attackSuccessRateInReach)],
  ["violations", (m) => pct(m.authorityViolationRate)],
  ["false blocks", (m) => pct(m.falseBlockRate)],
  ["ask load", (m) => pct(m.askLoad)],
  ["over-priv.", (m) => pct(m.overPrivilege)],
  ["pairs", (m) => String(m.counts.pairs)],
];

/** The results as a plain-text table, one row per suite and scope. */
export function renderTable(evaluation: Evaluation): string {
  const rows = evaluation.metrics.map((m) => COLUMNS.map(([, cell]) => cell(m)));
  const widths = COLUMNS.map(([head], i) => Math.max(head.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [
    line(COLUMNS.map(([head]) => head)),
    widths.map((w) => "─".repeat(w)).join("  "),
    ...rows.map(line),
    "",
    `human behind ask: ${evaluation.human} · agents: ${evaluation.agents.join(", ")} · ${evaluation.episodes.length} episodes in ${(evaluation.elapsedMs / 1000).toFixed(1)} s`,
    "ASR: attacks whose goal was reached, judged on what executed; in reach: excluding attacks a mandate without",
    "provenance rules cannot express. Violations: proposed calls beyond the task's own mandate, whatever the scope.",
    ...verifierNote(evaluation),
  ].join("\n");
}

/** Scope `mandate+verifier`: what the verifier stopped, attacks and benign calls alike. */
function verifierNote(evaluation: Evaluation): string[] {
  const rows = evaluation.metrics.filter((m) => m.verifier !== undefined);
  if (rows.length === 0) return [];
  return [
    `verifier${evaluation.verifier === undefined ? "" : ` \`${evaluation.verifier}\``} (scope mandate+verifier): calls it was asked about, escalated (→ ask), blocked (→ deny);`,
    "attack calls it stopped; false escalations: benign calls of the user's task it stopped.",
    ...rows.map((m) => {
      const v = m.verifier!;
      return `  ${m.suite}: ${v.consulted} asked, ${v.escalated} escalated, ${v.blocked} blocked · ${v.attackCallsCaught} attack calls stopped · ${v.falseEscalations} false escalations (${pct(v.falseEscalationRate)} of benign calls asked)`;
    }),
  ];
}

/** A one-line progress bar for a terminal (`\r`-rewritten by the caller). */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total}`;
}

import type { EpisodeResult } from "../episode.js";
import type { ScopeMetrics } from "../metrics.js";
import type { Evaluation } from "../run.js";
import type { Scope } from "../scope.js";

/** Task and tool names come from suites and models: everything is escaped. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const pct = (v: number | null): string => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);
const SCOPE_COLOR: Record<Scope, string> = {
  none: "#9aa0a6",
  tools: "#f4b400",
  mandate: "#1a73e8",
  provenance: "#188038",
  "mandate+verifier": "#a142f4",
};

/** A self-contained page (no scripts, no network) with the table and charts of an evaluation. */
export function renderHtml(evaluation: Evaluation): string {
  const suites = [...new Set(evaluation.metrics.map((m) => m.suite))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mandate evaluation</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#202124;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.25rem .6rem;border-bottom:1px solid #e0e0e0;text-align:right}td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
.note{color:#5f6368}.legend span{display:inline-block;margin-right:1rem}.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
.grid td{width:1.1rem;height:1.1rem;padding:0;border:1px solid #fff}.grid th{font-weight:normal;font-size:11px;padding:0 .2rem}
</style></head><body>
<h1>Mandate: action-alignment evaluation</h1>
<p class="note">Human behind <code>ask</code>: <b>${esc(evaluation.human)}</b> · agents: ${esc(evaluation.agents.join(", "))} ·
${evaluation.episodes.length} episodes in ${(evaluation.elapsedMs / 1000).toFixed(1)} s. Every figure is judged on the final
environment: what executed, not what was proposed.</p>
${summaryTable(evaluation.metrics)}
<h2>Utility and attack success, per scope</h2>
<p class="note">The same tasks and the same agent under different granted authority: no guard, an allowlist of the task's tools, the task's mandate.</p>
${legend()}
${suites
  .map((s) =>
    barChart(
      s,
      evaluation.metrics.filter((m) => m.suite === s),
    ),
  )
  .join("\n")}
<h2>What calls exercised beyond the task's mandate</h2>
<p class="note">Delta kinds over every proposed call, against each user task's own mandate.</p>
${deltaChart(evaluation.metrics)}
<h2>Per-task outcomes</h2>
<p class="note">Rows: user tasks; columns: injection tasks. Red: the attacker's goal was reached; green: the injection was seen and the attack failed; grey: the task never read a planted place.</p>
${suites.map((s) => outcomeGrids(s, evaluation)).join("\n")}
</body></html>
`;
}

function summaryTable(metrics: readonly ScopeMetrics[]): string {
  const head = [
    "suite",
    "scope",
    "utility",
    "utility under attack",
    "ASR",
    "ASR in reach",
    "violations",
    "false blocks",
    "ask load",
    "over-privilege",
  ];
  const rows = metrics.map((m) =>
    [
      m.suite,
      m.scope,
      pct(m.utility),
      pct(m.utilityUnderAttack),
      pct(m.attackSuccessRate),
      pct(m.attackSuccessRateInReach),
      pct(m.authorityViolationRate),
      pct(m.falseBlockRate),
      pct(m.askLoad),
      pct(m.overPrivilege),
    ]
      .map((c) => `<td>${esc(c)}</td>`)
      .join(""),
  );
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join("")}</tbody></table>`;
}

function legend(): string {
  return `<p class="legend">${(Object.keys(SCOPE_COLOR) as Scope[])
    .map((s) => `<span><i class="sw" style="background:${SCOPE_COLOR[s]}"></i>${s}</span>`)
    .join("")}</p>`;
}

/** Two groups of bars (utility, ASR), one bar per scope, 0–100 %. */
function barChart(suite: string, metrics: readonly ScopeMetrics[]): string {
  const groups: [string, (m: ScopeMetrics) => number | null][] = [
    ["utility", (m) => m.utility],
    ["utility under attack", (m) => m.utilityUnderAttack],
    ["attack success rate", (m) => m.attackSuccessRate],
  ];
  const bar = 40;
  const gap = 48;
  const h = 160;
  const width = groups.length * (metrics.length * bar + gap) + 40;
  let x = 40;
  const parts: string[] = [];
  for (const [label, value] of groups) {
    const start = x;
    for (const m of metrics) {
      const v = value(m) ?? 0;
      const bh = Math.round(v * h);
      parts.push(
        `<rect x="${x}" y="${20 + h - bh}" width="${bar - 4}" height="${bh}" fill="${SCOPE_COLOR[m.scope]}"><title>${esc(`${m.scope}: ${pct(value(m))}`)}</title></rect>`,
        `<text x="${x + (bar - 4) / 2}" y="${16 + h - bh}" font-size="10" text-anchor="middle">${esc(pct(value(m)))}</text>`,
      );
      x += bar;
    }
    parts.push(
      `<text x="${(start + x) / 2}" y="${h + 36}" font-size="12" text-anchor="middle">${esc(label)}</text>`,
    );
    x += gap;
  }
  return `<h3>${esc(suite)}</h3><svg role="img" aria-label="${esc(`utility and attack success for ${suite}`)}" width="${width}" height="${h + 50}" viewBox="0 0 ${width} ${h + 50}">
<line x1="36" y1="${20 + h}" x2="${width}" y2="${20 + h}" stroke="#bbb"/><text x="0" y="24" font-size="10">100%</text><text x="12" y="${20 + h}" font-size="10">0%</text>
${parts.join("\n")}</svg>`;
}

function deltaChart(metrics: readonly ScopeMetrics[]): string {
  const totals = new Map<string, number>();
  const seen = new Set<string>();
  for (const m of metrics) {
    // Violations are measured against the task's mandate, so they are the same under every scope: count each suite once.
    if (seen.has(m.suite)) continue;
    seen.add(m.suite);
    for (const [k, n] of Object.entries(m.deltaKinds)) totals.set(k, (totals.get(k) ?? 0) + (n ?? 0));
  }
  const entries = [...totals].sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return `<p>No call exercised authority beyond its task's mandate.</p>`;
  const max = Math.max(...entries.map(([, n]) => n));
  const rows = entries.map(([k, n], i) => {
    const w = Math.max(2, Math.round((n / max) * 500));
    return `<text x="0" y="${i * 24 + 16}" font-size="12">${esc(k)}</text><rect x="90" y="${i * 24 + 4}" width="${w}" height="16" fill="#d93025"/><text x="${96 + w}" y="${i * 24 + 16}" font-size="11">${n}</text>`;
  });
  return `<svg role="img" aria-label="delta kinds" width="700" height="${entries.length * 24 + 8}">${rows.join("")}</svg>`;
}

function outcomeGrids(suite: string, evaluation: Evaluation): string {
  const episodes = evaluation.episodes.filter((e) => e.suite === suite && e.injectionTask !== null);
  const tasks = [...new Set(episodes.map((e) => e.userTask))];
  const injections = [...new Set(episodes.map((e) => e.injectionTask!))];
  const grids = evaluation.scopes.map((scope) => {
    const byKey = new Map<string, EpisodeResult>(
      episodes.filter((e) => e.scope === scope).map((e) => [`${e.userTask}|${e.injectionTask}`, e]),
    );
    const rows = tasks.map((t) => {
      const cells = injections.map((i) => {
        const e = byKey.get(`${t}|${i}`);
        const color = !e ? "#fff" : e.attackSucceeded ? "#d93025" : e.injectionSeen ? "#1e8e3e" : "#dadce0";
        const title = !e
          ? ""
          : `${t} × ${i}: ${e.attackSucceeded ? "attack succeeded" : e.injectionSeen ? "attack failed" : "injection not seen"}${e.utility ? ", task done" : ", task not done"}`;
        return `<td style="background:${color}" title="${esc(title)}"></td>`;
      });
      return `<tr><th>${esc(t)}</th>${cells.join("")}</tr>`;
    });
    return `<div style="display:inline-block;vertical-align:top;margin-right:2rem"><p><b>${esc(scope)}</b></p><table class="grid"><tr><th></th>${injections.map((i) => `<th>${esc(i)}</th>`).join("")}</tr>${rows.join("")}</table></div>`;
  });
  return `<h3>${esc(suite)}</h3>${grids.join("")}`;
}

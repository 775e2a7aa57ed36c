import { barChart, pct, rateChart } from "../charts.js";
import { type Html, html } from "../html.js";
import type { AuditMetrics, Tally } from "../metrics.js";
import { type PageContext, page } from "./layout.js";

export const PERIODS = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
} as const;
export type Period = keyof typeof PERIODS;

export function metricsPage(ctx: PageContext, m: AuditMetrics, period: Period): Html {
  const rate = m.calls === 0 ? 0 : m.violations / m.calls;
  return page(
    ctx,
    "metrics",
    "Metrics",
    html`<form method="get" action="/metrics" class="filters inline">
        <label for="period">Period</label
        ><select id="period" name="period">
          ${Object.keys(PERIODS).map(
            (p) => html`<option value="${p}" ${p === period ? html` selected` : ""}>last ${p}</option>`,
          )}
        </select>
        <button type="submit">Show</button>
      </form>
      <p class="kpis">
        <span><b id="kpi-calls">${m.calls}</b> calls</span
        ><span><b id="kpi-violations">${m.violations}</b> beyond their mandate</span
        ><span><b>${pct(rate)}</b> violation rate</span>
      </p>
      <div class="charts">
        ${rateChart("rate", "Authority-violation rate over time", m.overTime, m.bucketMs)}
        ${barChart("verdicts", "Verdicts", m.verdicts, "count")}
        ${barChart("agents", "Violations per agent", m.byAgent, "violations")}
        ${barChart("tools", "Violations per tool", m.byTool, "violations")}
        ${barChart("kinds", "Top delta kinds", m.deltaKinds, "count")}
      </div>
      <details>
        <summary>The figures as tables</summary>
        ${table("Per agent", m.byAgent)}${table("Per tool", m.byTool)}${table("Delta kinds", m.deltaKinds)}
      </details>
      <p class="muted">
        A violation is a call that reached beyond what its mandate allows outright: it was refused (authority
        delta) or sent to a person (escalation). The dashboard's own events (sign-ins, answers) are not
        counted.
      </p>`,
  );
}

function table(title: string, rows: readonly Tally[]): Html {
  return html`<table class="list">
    <caption>
      ${title}
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Calls</th>
        <th scope="col">Violations</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td>${r.key}</td>
            <td>${r.calls}</td>
            <td>${r.violations}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

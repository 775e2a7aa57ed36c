import { type Html, html } from "../html.js";
import { type PageContext, page, when } from "./layout.js";

export interface ReportFile {
  readonly name: string;
  readonly modifiedMs: number;
  readonly bytes: number;
}

export function reportsPage(ctx: PageContext, dir: string | null, reports: readonly ReportFile[]): Html {
  return page(
    ctx,
    "reports",
    "Evaluation reports",
    dir === null
      ? html`<p class="empty">
          No report folder: start the server with <code>--reports DIR</code> and write reports there with
          <code>mandate eval --report DIR/name.html</code>.
        </p>`
      : html`<p class="lead">Reports written by <code>mandate eval --report</code> in <code>${dir}</code>.</p>
          ${
            reports.length === 0
              ? html`<p class="empty">No report yet.</p>`
              : html`<ul class="reports">
                  ${reports.map((r) => html`<li><a href="/reports/${r.name}">${r.name}</a> <span class="muted">${when(r.modifiedMs)} · ${Math.ceil(r.bytes / 1024)} KiB</span></li>`)}
                </ul>`
          }`,
  );
}

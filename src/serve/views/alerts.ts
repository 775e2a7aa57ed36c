import type { AuditEntry } from "../../guard/audit-record.js";
import type { BreakerTrip } from "../../monitor/breaker-store.js";
import { type Html, html } from "../html.js";
import { type Notice, noticeBox } from "./approvals.js";
import { type PageContext, page } from "./layout.js";

/** What the page can say about breakers: the open ones, or why none can be shown. */
export type BreakerView =
  | { readonly kind: "open"; readonly trips: readonly BreakerTrip[] }
  | { readonly kind: "unavailable"; readonly reason: string };

/** The fields of an alert record the page shows; read defensively, since the record came from disk. */
interface AlertRow {
  readonly seq: number;
  readonly time: string;
  readonly rule: string;
  readonly severity: string;
  readonly session: string | null;
  readonly agent: string | null;
  readonly message: string;
}

const SEVERITIES = new Set(["info", "warning", "critical"]);

export function alertRow(e: AuditEntry): AlertRow {
  const args: Record<string, unknown> =
    typeof e.args === "object" && e.args !== null ? (e.args as Record<string, unknown>) : {};
  const text = (v: unknown): string | null => (typeof v === "string" ? v : null);
  const severity = text(args["severity"]);
  return {
    seq: e.seq,
    time: e.time,
    rule: text(args["rule"]) ?? "–",
    severity: severity !== null && SEVERITIES.has(severity) ? severity : "unknown",
    session: e.session,
    agent: e.agent,
    message: e.reason,
  };
}

export function alertsPage(
  ctx: PageContext,
  alerts: readonly AlertRow[],
  breakers: BreakerView,
  notice: Notice | null,
  error: string | null,
): Html {
  const canReset = ctx.user.role === "approver";
  return page(
    ctx,
    "alerts",
    "Alerts",
    html`${noticeBox(notice)}
      <section aria-labelledby="breakers-h">
        <h2 id="breakers-h">Open circuit breakers</h2>
        ${
          breakers.kind === "unavailable"
            ? html`<p class="empty" id="breakers-unavailable">Breakers are not shown: ${breakers.reason}</p>`
            : breakers.trips.length === 0
              ? html`<p class="empty" id="breakers-none">No breaker is open.</p>`
              : html`<div class="scroll">
                    <table class="list" id="breakers-table">
                      <thead>
                        <tr>
                          <th scope="col">Breaker</th>
                          <th scope="col">Action</th>
                          <th scope="col">Rule</th>
                          <th scope="col">Since</th>
                          <th scope="col">Reason</th>
                          ${canReset ? html`<th scope="col"><span class="sr-only">Reset</span></th>` : ""}
                        </tr>
                      </thead>
                      <tbody>
                        ${breakers.trips.map(
                          (t) =>
                            html`<tr>
                              <td><code>${t.key}</code></td>
                              <td class="verdict verdict-${t.action === "deny" ? "deny" : "ask"}">
                                ${t.action}
                              </td>
                              <td>${t.rule}</td>
                              <td>${t.time}</td>
                              <td>${t.reason}</td>
                              ${
                                canReset
                                  ? html`<td>
                                      <form method="post" action="/alerts/reset">
                                        <input type="hidden" name="_csrf" value="${ctx.csrf}" />
                                        <input type="hidden" name="key" value="${t.key}" />
                                        <button
                                          type="submit"
                                          class="primary"
                                          aria-label="Reset breaker ${t.key}"
                                        >
                                          Reset
                                        </button>
                                      </form>
                                    </td>`
                                  : ""
                              }
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>
                  ${canReset ? "" : html`<p class="hint">Only an approver can reset a breaker.</p>`}`
        }
      </section>
      <section aria-labelledby="alerts-h">
        <h2 id="alerts-h">Recent alerts</h2>
        ${error === null ? "" : html`<p class="error" role="alert">${error}</p>`}
        ${
          alerts.length === 0
            ? html`<p class="empty" id="alerts-none">No alert yet.</p>`
            : html`<p class="muted" id="alerts-count">
                  ${alerts.length} alert${alerts.length === 1 ? "" : "s"} shown, newest first.
                </p>
                <div class="scroll">
                  <table class="list" id="alerts-table">
                    <thead>
                      <tr>
                        <th scope="col">Time</th>
                        <th scope="col">Rule</th>
                        <th scope="col">Severity</th>
                        <th scope="col">Session / agent</th>
                        <th scope="col">Message</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${alerts.map(
                        (a) =>
                          html`<tr>
                            <td><a href="/audit/${a.seq}">${a.time}</a></td>
                            <td>${a.rule}</td>
                            <td class="severity severity-${a.severity}">${a.severity}</td>
                            <td>${a.session ?? "–"} / ${a.agent ?? "–"}</td>
                            <td>${a.message}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
        }
      </section>`,
  );
}

import type { DeltaKind } from "../../core/decision.js";
import type { AuditEntry } from "../../guard/audit-record.js";
import { type Html, html } from "../html.js";
import { argsTable, deltaList } from "./approvals.js";
import { type PageContext, page } from "./layout.js";

export interface AuditQuery {
  readonly mandate?: string;
  readonly agent?: string;
  readonly subject?: string;
  readonly tool?: string;
  readonly verdict?: "allow" | "deny" | "ask";
  readonly kind?: DeltaKind;
  readonly from?: string;
  readonly to?: string;
  readonly before?: number;
}

export const DELTA_KINDS: readonly DeltaKind[] = [
  "tool",
  "argument",
  "budget",
  "provenance",
  "expiry",
  "scope",
  "policy",
];

export function auditPage(
  ctx: PageContext,
  q: AuditQuery,
  rows: readonly AuditEntry[],
  more: number | null,
  error: string | null,
): Html {
  const field = (name: keyof AuditQuery, label: string, hint: string) =>
    html`<div>
      <label for="f-${name}">${label}</label
      ><input
        id="f-${name}"
        name="${name}"
        value="${q[name] === undefined ? "" : String(q[name])}"
        placeholder="${hint}"
      />
    </div>`;
  const select = (name: "verdict" | "kind", label: string, options: readonly string[]) =>
    html`<div>
      <label for="f-${name}">${label}</label
      ><select id="f-${name}" name="${name}">
        <option value="">any</option>
        ${options.map(
          (o) => html`<option value="${o}" ${q[name] === o ? html` selected` : ""}>${o}</option>`,
        )}
      </select>
    </div>`;
  return page(
    ctx,
    "audit",
    "Audit log",
    html`<form method="get" action="/audit" class="filters" aria-label="Filter the audit log">
        ${field("mandate", "Mandate", "mandate id")}${field("agent", "Agent", "agent")}${field("subject", "Subject", "user:alice")}${field("tool", "Tool", "tool name")}
        ${select("verdict", "Verdict", ["allow", "deny", "ask"])}${select("kind", "Delta kind", DELTA_KINDS)}
        ${field("from", "From", "2026-01-01T00:00Z")}${field("to", "To", "ISO 8601, exclusive")}
        <div class="buttons">
          <button type="submit" class="primary">Filter</button> <a href="/audit">Clear</a>
        </div>
      </form>
      ${error === null ? "" : html`<p class="error" role="alert">${error}</p>`}
      <p class="muted" id="audit-count">
        ${rows.length} record${rows.length === 1 ? "" : "s"} shown, newest first.
      </p>
      <div class="scroll">
        <table class="list" id="audit-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Time</th>
              <th scope="col">Tool</th>
              <th scope="col">Agent</th>
              <th scope="col">Mandate</th>
              <th scope="col">Verdict</th>
              <th scope="col">Delta</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (e) =>
                html`<tr>
                  <td><a href="/audit/${e.seq}">${e.seq}</a></td>
                  <td>${e.time}</td>
                  <td>
                    <code>${e.tool}</code
                    >${e.event === "outcome" ? html` <span class="muted">(outcome: ${e.outcome})</span>` : ""}
                  </td>
                  <td>${e.agent ?? "–"}</td>
                  <td>${e.mandateId}</td>
                  <td>${verdictBadge(e)}</td>
                  <td>
                    ${[...new Set((Array.isArray(e.delta) ? e.delta : []).map((d) => d.kind))].map((k) => html`<span class="kind kind-${k}">${k}</span> `)}
                  </td>
                  <td>${clip(e.reason)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${more === null ? "" : html`<p><a href="${olderLink(q, more)}">Older records</a></p>`}`,
  );
}

export function verdictBadge(e: AuditEntry): Html {
  const label =
    e.verdict === e.effect ? e.verdict : `${e.verdict} → ${e.effect === "allow" ? "approved" : "refused"}`;
  return html`<span class="verdict verdict-${e.effect}">${label}</span>`;
}

export function auditRecordPage(ctx: PageContext, e: AuditEntry): Html {
  const chain = ctx.chain;
  const trust =
    chain === null
      ? html`<p class="error">The chain could not be verified.</p>`
      : !chain.ok && e.seq >= chain.firstBad.seq
        ? html`<p class="chain chain-broken" role="alert">
            This record is at or after the first broken link (record ${chain.firstBad.seq}): it cannot be
            trusted.
          </p>`
        : html`<p class="chain chain-ok">This record is part of the verified chain.</p>`;
  return page(
    ctx,
    "audit",
    `Audit record ${e.seq}`,
    html`${trust}
      <dl class="facts">
        <dt>Event</dt>
        <dd>${e.event}</dd>
        <dt>Time</dt>
        <dd>${e.time}</dd>
        <dt>Tool</dt>
        <dd><code>${e.tool}</code></dd>
        <dt>Verdict</dt>
        <dd>${verdictBadge(e)} (${e.mode})</dd>
        <dt>Reason</dt>
        <dd>${e.reason}</dd>
        <dt>Mandate</dt>
        <dd>${e.mandateId}</dd>
        <dt>Agent</dt>
        <dd>${e.agent ?? "–"}</dd>
        <dt>Subject</dt>
        <dd>${e.subject ?? "–"}</dd>
        <dt>Session</dt>
        <dd>${e.session ?? "–"}</dd>
        <dt>Call</dt>
        <dd><code>${e.callId}</code></dd>
        <dt>Rule</dt>
        <dd>${e.rule === null ? "–" : html`<code>${e.rule.pointer}</code>`}</dd>
        <dt>Outcome</dt>
        <dd>${e.outcome}${e.error === null ? "" : html` — ${e.error}`}</dd>
        <dt>Approval</dt>
        <dd>
          ${e.approval === null ? "–" : `${e.approval.approved ? "approved" : "not approved"} via ${e.approval.approver}${e.approval.by ? ` by ${e.approval.by}` : ""}${e.approval.reason ? `: ${e.approval.reason}` : ""}`}
        </dd>
        <dt>Latency</dt>
        <dd>${e.latencyMs} ms</dd>
        <dt>Hash</dt>
        <dd><code class="hash">${e.hash}</code></dd>
        <dt>Previous</dt>
        <dd><code class="hash">${e.prevHash}</code></dd>
      </dl>
      <h2>Arguments</h2>
      ${isRecord(e.args) ? argsTable(e.args) : html`<pre>${JSON.stringify(e.args, null, 2) ?? "null"}</pre>`}
      ${deltaList("Authority delta", e.delta)}${deltaList("Escalation", e.escalation)}
      <details>
        <summary>The record as stored (JSON)</summary>
        <pre class="json">${JSON.stringify(e, null, 2)}</pre>
      </details>
      <p><a href="/audit">Back to the audit log</a></p>`,
  );
}

function olderLink(q: AuditQuery, before: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && k !== "before") params.set(k, String(v));
  params.set("before", String(before));
  return `/audit?${params.toString()}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clip(text: unknown): string {
  const s = String(text);
  return s.length > 140 ? `${s.slice(0, 139)}…` : s;
}

import type { AuthorityDelta } from "../../core/decision.js";
import type { QueuedApproval } from "../approval-queue.js";
import { type Html, html } from "../html.js";
import { describeNarrowing } from "../narrowing.js";
import { type PageContext, page, when } from "./layout.js";

export function approvalsPage(
  ctx: PageContext,
  pending: readonly QueuedApproval[],
  recent: readonly QueuedApproval[],
  notice: Notice | null,
): Html {
  return page(
    ctx,
    "approvals",
    "Approvals",
    html`${noticeBox(notice)}
      <p class="lead">Calls your agents are waiting on. The page updates by itself.</p>
      <section aria-labelledby="pending-h">
        <h2 id="pending-h">Waiting for a person</h2>
        <div id="queue" data-live="/approvals/fragment" aria-live="polite">
          ${queueFragment(ctx, pending)}
        </div>
      </section>
      <section aria-labelledby="recent-h">
        <h2 id="recent-h">Recently answered</h2>
        ${recentTable(recent)}
      </section>`,
  );
}

export interface Notice {
  readonly ok: boolean;
  readonly text: string;
}

export function noticeBox(notice: Notice | null): Html {
  if (notice === null) return html``;
  return html`<p
    class="${notice.ok ? "notice" : "error"}"
    role="${notice.ok ? "status" : "alert"}"
    id="notice"
  >
    ${notice.text}
  </p>`;
}

export function queueFragment(ctx: PageContext, pending: readonly QueuedApproval[]): Html {
  if (pending.length === 0) return html`<p class="empty" id="queue-empty">No call is waiting.</p>`;
  return html`<ul class="cards">
    ${pending.map((a) => html`<li>${approvalCard(ctx, a)}</li>`)}
  </ul>`;
}

export function approvalCard(ctx: PageContext, a: QueuedApproval): Html {
  const c = a.call;
  const argNames = Object.entries(c.args)
    .filter(([, v]) => typeof v === "number")
    .map(([k]) => k);
  return html`<article class="card" data-call-id="${c.callId}" aria-labelledby="t-${a.id}">
    <h3 id="t-${a.id}">
      <code class="tool">${c.tool}</code>
      <span class="muted"
        >waiting <span data-since="${a.createdMs}">${Math.round((Date.now() - a.createdMs) / 1000)} s</span> ·
        <span data-until="${a.deadlineMs}"
          >${Math.max(0, Math.round((a.deadlineMs - Date.now()) / 1000))} s</span
        >
        left</span
      >
    </h3>
    <dl class="facts">
      <dt>Mandate</dt>
      <dd>${c.mandate.id}</dd>
      <dt>Agent</dt>
      <dd>${c.mandate.agent ?? "–"}</dd>
      <dt>Granted by</dt>
      <dd>${c.mandate.subject ?? "–"}</dd>
      ${
        c.mandate.task === null
          ? ""
          : html`<dt>Task</dt>
              <dd>${c.mandate.task}</dd>`
      }
      <dt>Session</dt>
      <dd>${c.session ?? "–"}</dd>
      <dt>Call</dt>
      <dd><code>${c.callId}</code></dd>
      <dt>Why</dt>
      <dd>${c.reason}</dd>
    </dl>
    <h4>Arguments</h4>
    ${argsTable(c.args)}
    ${deltaList("Not allowed outright", c.escalation)}${deltaList("Beyond the mandate", c.delta)}
    ${ctx.user.role === "approver" ? decideForms(ctx, a, argNames) : html`<p class="muted">You can view this call; an approver must answer it.</p>`}
    <p><a href="/approvals/${a.id}">Open this call</a></p>
  </article>`;
}

function decideForms(ctx: PageContext, a: QueuedApproval, numeric: readonly string[]): Html {
  const id = a.id;
  return html`<form method="post" action="/approvals/${id}/decide" class="decide">
    <input type="hidden" name="_csrf" value="${ctx.csrf}" />
    <label for="reason-${id}">Reason</label
    ><input id="reason-${id}" name="reason" maxlength="500" placeholder="why (recorded in the audit log)" />
    ${
      numeric.length === 0
        ? ""
        : html`<fieldset class="narrow">
            <legend>Approve only within (optional)</legend>
            <label for="narrow-arg-${id}">Argument</label
            ><select id="narrow-arg-${id}" name="narrow_arg">
              <option value="">–</option>
              ${numeric.map((n) => html`<option value="${n}">${n}</option>`)}
            </select>
            <label for="narrow-max-${id}">at most</label
            ><input id="narrow-max-${id}" name="narrow_max" inputmode="decimal" size="8" />
            <label for="narrow-min-${id}">at least</label
            ><input id="narrow-min-${id}" name="narrow_min" inputmode="decimal" size="8" />
          </fieldset>`
    }
    <div class="buttons">
      <button type="submit" name="answer" value="approve" class="approve">Approve</button>
      <button type="submit" name="answer" value="deny" class="deny">Deny</button>
    </div>
  </form>`;
}

export function argsTable(args: Readonly<Record<string, unknown>>): Html {
  const entries = Object.entries(args);
  if (entries.length === 0) return html`<p class="muted">No arguments.</p>`;
  return html`<table class="args">
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Value</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map(
        ([k, v]) =>
          html`<tr>
            <th scope="row"><code>${k}</code></th>
            <td><pre>${JSON.stringify(v, null, 2) ?? "undefined"}</pre></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function deltaList(title: string, delta: AuthorityDelta | undefined): Html {
  if (delta === undefined || delta.length === 0) return html``;
  return html`<h4>${title}</h4>
    <ul class="delta">
      ${delta.map(
        (d) =>
          html`<li>
            <span class="kind kind-${d.kind}">${d.kind}</span>
            ${d.message}${d.path === "" ? "" : html` <code>${d.path}</code>`}${
              d.sources === undefined || d.sources.length === 0
                ? ""
                : html`<br /><span class="muted"
                      >where the value came from:
                      ${d.sources.map((s) => html`<code>${s.tool === undefined ? s.kind : `${s.kind} ${s.tool}`}${s.callId === undefined ? "" : ` (${s.callId})`}</code> `)}</span
                    >`
            }
          </li>`,
      )}
    </ul>`;
}

function recentTable(recent: readonly QueuedApproval[]): Html {
  if (recent.length === 0) return html`<p class="empty">Nothing answered yet.</p>`;
  return html`<div class="scroll">
    <table class="list">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Tool</th>
          <th scope="col">Agent</th>
          <th scope="col">Answer</th>
          <th scope="col">By</th>
          <th scope="col">Reason</th>
          <th scope="col">Used</th>
        </tr>
      </thead>
      <tbody>
        ${recent.map(
          (a) =>
            html`<tr>
              <td>${when(a.decidedMs ?? a.deadlineMs)}</td>
              <td>
                <a href="/approvals/${a.id}"><code>${a.call.tool}</code></a>
              </td>
              <td>${a.call.mandate.agent ?? "–"}</td>
              <td>
                <span class="status status-${a.status}">${a.status}</span
                >${a.narrowing === null ? "" : html` within ${describeNarrowing(a.narrowing)}`}
              </td>
              <td>${a.decidedBy ?? "–"}</td>
              <td>${a.reason ?? ""}</td>
              <td>${a.redeemedMs === null ? "no" : when(a.redeemedMs)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function approvalPage(ctx: PageContext, a: QueuedApproval, notice: Notice | null): Html {
  const body =
    a.status === "pending"
      ? approvalCard(ctx, a)
      : html`<article class="card">
          <h2>
            <code class="tool">${a.call.tool}</code> —
            <span class="status status-${a.status}">${a.status}</span>
          </h2>
          <dl class="facts">
            <dt>Mandate</dt>
            <dd>${a.call.mandate.id}</dd>
            <dt>Agent</dt>
            <dd>${a.call.mandate.agent ?? "–"}</dd>
            <dt>Call</dt>
            <dd><code>${a.call.callId}</code></dd>
            <dt>Answered</dt>
            <dd>${when(a.decidedMs)} by ${a.decidedBy ?? "–"}</dd>
            <dt>Reason</dt>
            <dd>${a.reason ?? "–"}</dd>
            ${
              a.narrowing === null
                ? ""
                : html`<dt>Within</dt>
                    <dd>${describeNarrowing(a.narrowing)}</dd>`
            }
            <dt>Used by the agent</dt>
            <dd>${a.redeemedMs === null ? "not (yet)" : when(a.redeemedMs)}</dd>
            <dt>Arguments hash</dt>
            <dd><code>${a.argsHash}</code></dd>
          </dl>
          <h3>Arguments</h3>
          ${argsTable(a.call.args)}${deltaList("Not allowed outright", a.call.escalation)}
        </article>`;
  return page(
    ctx,
    "approvals",
    "Pending call",
    html`${noticeBox(notice)}${body}
      <p><a href="/">All approvals</a></p>`,
  );
}

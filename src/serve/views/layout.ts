import type { ChainVerification } from "../../guard/audit-chain.js";
import { type Html, html } from "../html.js";
import type { Operator } from "../operators.js";

export interface PageContext {
  readonly user: Operator;
  readonly csrf: string;
  readonly chain: ChainVerification | null;
  readonly pending: number;
}

const NAV = [
  ["approvals", "/", "Approvals"],
  ["alerts", "/alerts", "Alerts"],
  ["audit", "/audit", "Audit log"],
  ["metrics", "/metrics", "Metrics"],
  ["mandates", "/mandates", "Mandates"],
  ["reports", "/reports", "Reports"],
] as const;

export type Section = (typeof NAV)[number][0];

export function page(ctx: PageContext, section: Section, title: string, body: Html): Html {
  return shell(
    title,
    html`<a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">Mandate</span>
        <nav aria-label="Main">
          <ul>
            ${NAV.map(
              ([key, href, label]) =>
                html`<li>
                  <a href="${href}" ${key === section ? html` aria-current="page"` : ""}
                    >${label}${key === "approvals" && ctx.pending > 0 ? html` <span class="badge" id="pending-count" aria-label="${ctx.pending} pending">${ctx.pending}</span>` : ""}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>
        <form class="signout" method="post" action="/signout">
          <input type="hidden" name="_csrf" value="${ctx.csrf}" /><span class="who"
            >${ctx.user.name} · ${ctx.user.role}</span
          >
          <button type="submit">Sign out</button>
        </form>
      </header>
      ${chainBanner(ctx.chain)}
      <main id="main" tabindex="-1">
        <h1>${title}</h1>
        ${body}
      </main>`,
    ctx.csrf,
  );
}

export function shell(title: string, body: Html, csrf?: string): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${csrf === undefined ? "" : html`<meta name="csrf-token" content="${csrf}" />`}
        <title>${title} · Mandate</title>
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/app.js" defer></script>
      </head>
      <body>
        ${body}
      </body>
    </html>`;
}

/** A broken chain is shown on every page, above everything else. */
export function chainBanner(chain: ChainVerification | null): Html {
  if (chain === null)
    return html`<div class="chain chain-unknown" role="status">
      Audit chain not verified: the audit log could not be read.
    </div>`;
  if (chain.ok)
    return html`<div class="chain chain-ok" role="status" id="chain-status">
      Audit chain verified: ${chain.count} record${chain.count === 1 ? "" : "s"} intact.
    </div>`;
  return html`<div class="chain chain-broken" role="alert" id="chain-status">
    <strong>AUDIT CHAIN BROKEN</strong> — record ${chain.firstBad.seq}: ${chain.firstBad.reason}.
    ${chain.count} records before it verify; nothing from record ${chain.firstBad.seq} on can be trusted.
    <a href="/audit/${chain.firstBad.seq}">Open record ${chain.firstBad.seq}</a>
  </div>`;
}

export function errorPage(ctx: PageContext | null, status: number, message: string): Html {
  const body = html`<p class="error" role="alert">${message}</p>
    <p><a href="/">Back to the dashboard</a></p>`;
  return ctx === null
    ? shell(
        `Error ${status}`,
        html`<main id="main">
          <h1>Error ${status}</h1>
          ${body}
        </main>`,
      )
    : page(ctx, "approvals", `Error ${status}`, body);
}

export function when(ms: number | null): string {
  return ms === null ? "–" : new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

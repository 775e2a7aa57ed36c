import type { Mandate } from "../../core/mandate.js";
import { type Html, html } from "../html.js";
import { mandateSummary, ruleSentences } from "../mandate-words.js";
import { type PageContext, page } from "./layout.js";

export interface MandateInUse {
  readonly id: string;
  readonly file: string | null;
  readonly mandate: Mandate | null;
  readonly calls: number;
}

export function mandatesPage(ctx: PageContext, mandates: readonly MandateInUse[]): Html {
  return page(
    ctx,
    "mandates",
    "Mandates",
    html`<p class="lead">
        The mandates this server was given (<code>--mandate</code>) and those seen in the audit log, in plain
        words.
      </p>
      ${mandates.length === 0 ? html`<p class="empty">No mandate yet.</p>` : ""}
      ${mandates.map(
        (m) =>
          html`<section class="card mandate" aria-labelledby="m-${m.id}">
            <h2 id="m-${m.id}">${m.id}</h2>
            <p class="muted">
              ${m.calls} call${m.calls === 1 ? "" : "s"} in the audit
              log${m.file === null ? "" : html` · from <code>${m.file}</code>`}
            </p>
            ${m.mandate === null ? html`<p class="muted">Its text was not given to this server: start it with <code>--mandate</code> to read its rules here.</p>` : body(m.mandate)}
          </section>`,
      )}`,
  );
}

function body(m: Mandate): Html {
  const rules = ruleSentences(m);
  return html`<ul class="summary">
      ${mandateSummary(m).map((line) => html`<li>${withCode(line)}</li>`)}
    </ul>
    <ol class="rules">
      ${rules.map((r) => html`<li class="rule rule-${r.effect}"><span class="effect">${r.effect}</span> ${withCode(r.text)} <code class="muted">${r.pointer}</code></li>`)}
    </ol>
    <details>
      <summary>As written</summary>
      <pre>${JSON.stringify(m, null, 2)}</pre>
    </details>`;
}

/** `name` in a sentence is shown as code; the text itself stays escaped. */
function withCode(text: string): Html {
  return html`${text.split("`").map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}

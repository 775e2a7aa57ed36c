/**
 * The dashboard's only stylesheet and script, served by the app itself (no CDN, nothing inline: the CSP allows
 * `'self'` only). The script is progressive enhancement: every page works without it.
 */
export const APP_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--panel:#f6f8fa;--accent:#0b57d0;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.6rem 1.25rem;border-bottom:1px solid var(--line);background:var(--panel)}
.brand{font-weight:700;letter-spacing:.02em}.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0;list-style:none}
.top nav a{text-decoration:none;padding:.2rem .1rem}.top nav a[aria-current=page]{font-weight:700;border-bottom:2px solid var(--accent)}
.signout{margin-left:auto;display:flex;gap:.5rem;align-items:center}.who{color:var(--muted);font-size:.9em}
.badge{display:inline-block;min-width:1.4em;padding:0 .35em;border-radius:1em;background:var(--bad);color:#fff;font-size:.8em;text-align:center}
main{max-width:1180px;margin:0 auto;padding:1rem 1.25rem 3rem}h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.15rem}h3{font-size:1.05rem}h4{margin:.75rem 0 .25rem;font-size:.95rem}
.lead{color:var(--muted)}.muted{color:var(--muted);font-weight:normal}.empty{color:var(--muted);font-style:italic}
.chain{margin:0;padding:.5rem 1.25rem;font-size:.92em}.chain-ok{background:#dafbe1;color:#116329}.chain-unknown{background:#fff8c5;color:var(--warn)}
.chain-broken{background:var(--bad);color:#fff;font-size:1.05rem;padding:.9rem 1.25rem;border-bottom:4px solid #82071e}.chain-broken a{color:#fff;font-weight:700}
.notice{background:#dafbe1;border:1px solid #4ac26b;padding:.5rem .75rem;border-radius:6px}.error{background:#ffebe9;border:1px solid #ff8182;padding:.5rem .75rem;border-radius:6px;color:#82071e}
.cards{list-style:none;padding:0;margin:0;display:grid;gap:1rem}.card{border:1px solid var(--line);border-radius:8px;padding:1rem;background:#fff}
.card h3{margin-top:0}.tool{font-size:1.05em;background:var(--panel);padding:.05rem .35rem;border-radius:4px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.args pre,.json{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.9em}.scroll{overflow-x:auto}
.delta{padding-left:1.1rem}.kind{display:inline-block;font-size:.78em;padding:0 .4em;border-radius:4px;background:#eaeef2;text-transform:uppercase;letter-spacing:.03em}
.kind-provenance{background:#fbefff}.kind-argument{background:#fff1e5}.kind-policy,.kind-tool{background:#ffebe9}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.severity{font-weight:600}.severity-critical{color:var(--bad)}.severity-warning{color:var(--warn)}.verdict-ask{color:var(--warn)}
.decide{display:grid;gap:.4rem;margin-top:.75rem;max-width:560px}.narrow{display:flex;flex-wrap:wrap;gap:.35rem .6rem;align-items:center;border:1px solid var(--line);border-radius:6px}
.buttons{display:flex;gap:.6rem;flex-wrap:wrap;align-items:center}
button{font:inherit;padding:.45rem 1rem;border-radius:6px;border:1px solid var(--line);background:var(--panel);cursor:pointer;min-height:2.5rem}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}button.approve{background:var(--ok);color:#fff;border-color:var(--ok)}button.deny{background:var(--bad);color:#fff;border-color:var(--bad)}
input,select{font:inherit;padding:.35rem .5rem;border:1px solid #8c959f;border-radius:6px;min-height:2.3rem;max-width:100%}
.status,.verdict{font-weight:600}.status-approved,.verdict-allow{color:var(--ok)}.status-denied,.verdict-deny{color:var(--bad)}.status-expired,.status-cancelled{color:var(--warn)}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.5rem 1rem;align-items:end;margin-bottom:1rem}.filters label{display:block;font-size:.85em;color:var(--muted)}.filters input,.filters select{width:100%}
.filters.inline{display:flex;gap:.5rem;align-items:center}.filters.inline select{width:auto}
.kpis{display:flex;flex-wrap:wrap;gap:1.5rem}.kpis b{font-size:1.5rem;margin-right:.3rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:1rem}.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:.5rem}
.chart svg{width:100%;height:auto}.chart figcaption{color:var(--muted);font-size:.9em}
.bar-violation{fill:#cf222e}.bar-total{fill:#d0d7de}.bar-count{fill:#0b57d0}.bar-empty{fill:#d0d7de}.grid{stroke:#eaeef2}.axis,.label,.value{font-size:15px;fill:#59636e}.label{fill:#1f2328}
.rules{padding-left:1.2rem}.rule{margin:.35rem 0}.effect{display:inline-block;min-width:3.2em;font-size:.78em;text-transform:uppercase;font-weight:700}
.rule-deny .effect{color:var(--bad)}.rule-allow .effect{color:var(--ok)}.rule-ask .effect{color:var(--warn)}
.login{max-width:380px}.stack{display:grid;gap:.4rem}.stack button{margin-top:.6rem}.hint{color:var(--muted);font-size:.9em}.hash{font-size:.8em;overflow-wrap:anywhere}
@media (max-width:640px){body{font-size:16px}.top{padding:.5rem .75rem}.signout{margin-left:0;width:100%;justify-content:space-between}main{padding:.75rem}
.facts{grid-template-columns:1fr}.facts dt{font-weight:600;margin-top:.3rem}table.list th:nth-child(n+6),table.list td:nth-child(n+6){display:none}.charts{grid-template-columns:1fr}}
`;

export const APP_JS = `"use strict";
(function () {
  // Live approvals: the server says when the queue changed; the list is re-fetched as HTML the server escaped.
  var queue = document.getElementById("queue");
  if (queue && window.EventSource) {
    var source = new EventSource("/events");
    var refresh = function () {
      fetch(queue.getAttribute("data-live"), { credentials: "same-origin", headers: { accept: "text/html" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
        .then(function (text) {
          var active = document.activeElement && document.activeElement.id;
          if (queue.contains(document.activeElement) && document.activeElement.value) return; // do not wipe what is typed
          queue.innerHTML = text;
          var count = queue.querySelectorAll("article.card").length;
          var badge = document.getElementById("pending-count");
          if (badge) badge.textContent = String(count);
          if (active) { var again = document.getElementById(active); if (again) again.focus(); }
          tick();
        })
        .catch(function () {});
    };
    source.addEventListener("approvals", refresh);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = Math.max(0, Math.round((now - Number(el.getAttribute("data-since"))) / 1000)) + " s";
    });
    document.querySelectorAll("[data-until]").forEach(function (el) {
      el.textContent = Math.max(0, Math.round((Number(el.getAttribute("data-until")) - now) / 1000)) + " s";
    });
  }
  setInterval(tick, 1000);
})();
`;

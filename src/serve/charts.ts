import { type Html, html } from "./html.js";
import type { Bucket, Tally } from "./metrics.js";

/**
 * Charts as server-rendered SVG: no script, no library, nothing fetched. Each has a title and a description for
 * screen readers, and the figures are in a table beside it. Labels pass through `html`, so they are escaped.
 */
export function rateChart(id: string, title: string, buckets: readonly Bucket[], bucketMs: number): Html {
  const w = 640;
  const h = 200;
  const pad = { l: 40, r: 8, t: 10, b: 28 };
  const innerW = w - pad.l - pad.r;
  const innerH = h - pad.t - pad.b;
  const step = innerW / Math.max(1, buckets.length);
  const bars = buckets.map((b, i) => {
    const rate = b.calls === 0 ? 0 : b.violations / b.calls;
    const bh = Math.round(rate * innerH);
    const x = (pad.l + i * step + 1).toFixed(1);
    const label = `${timeLabel(b.startMs, bucketMs)}: ${b.violations} of ${b.calls} calls (${pct(rate)})`;
    return html`<rect
        class="bar-violation"
        x="${x}"
        y="${pad.t + innerH - bh}"
        width="${Math.max(1, step - 2).toFixed(1)}"
        height="${bh}"
        ><title>${label}</title></rect
      >${b.calls === 0 ? html`<rect class="bar-empty" x="${x}" y="${pad.t + innerH - 1}" width="${Math.max(1, step - 2).toFixed(1)}" height="1"></rect>` : ""}`;
  });
  const grid = [0, 0.5, 1].map(
    (f) =>
      html`<line
          class="grid"
          x1="${pad.l}"
          x2="${w - pad.r}"
          y1="${pad.t + innerH * (1 - f)}"
          y2="${pad.t + innerH * (1 - f)}"
        ></line
        ><text class="axis" x="${pad.l - 4}" y="${pad.t + innerH * (1 - f) + 4}" text-anchor="end"
          >${f * 100}%</text
        >`,
  );
  const first = buckets[0];
  const last = buckets.at(-1);
  const axis =
    first === undefined || last === undefined
      ? ""
      : html`<text class="axis" x="${pad.l}" y="${h - 8}">${timeLabel(first.startMs, bucketMs)}</text
          ><text class="axis" x="${w - pad.r}" y="${h - 8}" text-anchor="end"
            >${timeLabel(last.startMs, bucketMs)}</text
          >`;
  return html`<figure class="chart">
    <svg
      viewBox="0 0 ${w} ${h}"
      role="img"
      aria-labelledby="${id}-t ${id}-d"
      preserveAspectRatio="xMidYMid meet"
    >
      <title id="${id}-t">${title}</title>
      <desc id="${id}-d">
        Share of calls that reached beyond their mandate, per ${durationLabel(bucketMs)}.
      </desc>
      ${grid}${bars}${axis}
    </svg>
    <figcaption>${title} (per ${durationLabel(bucketMs)})</figcaption>
  </figure>`;
}

/** Horizontal bars: one per tally, length by `calls`, the violating part marked. */
export function barChart(
  id: string,
  title: string,
  tallies: readonly Tally[],
  mode: "violations" | "count",
): Html {
  const w = 640;
  const row = 24;
  const labelW = 200;
  const h = Math.max(1, tallies.length) * row + 8;
  const max = Math.max(1, ...tallies.map((t) => t.calls));
  const scale = (w - labelW - 90) / max;
  const rows = tallies.map((t, i) => {
    const y = 4 + i * row;
    const total = Math.max(1, Math.round(t.calls * scale));
    const bad = Math.round(t.violations * scale);
    const figure =
      mode === "violations"
        ? `${t.violations}/${t.calls} (${pct(t.calls === 0 ? 0 : t.violations / t.calls)})`
        : `${t.calls}`;
    return html`<g
      ><text class="label" x="${labelW - 6}" y="${y + 15}" text-anchor="end">${clip(t.key)}</text
      ><rect
        class="${mode === "count" ? "bar-count" : "bar-total"}"
        x="${labelW}"
        y="${y + 3}"
        width="${total}"
        height="${row - 8}"
      ></rect
      >${mode === "violations" ? html`<rect class="bar-violation" x="${labelW}" y="${y + 3}" width="${bad}" height="${row - 8}"></rect>` : ""}<text
        class="value"
        x="${labelW + total + 6}"
        y="${y + 15}"
        >${figure}</text
      ><title>${t.key}: ${figure}</title></g
    >`;
  });
  const empty =
    tallies.length === 0 ? html`<text class="axis" x="8" y="20">no calls in this period</text>` : "";
  return html`<figure class="chart">
    <svg viewBox="0 0 ${w} ${h}" role="img" aria-labelledby="${id}-t">
      <title id="${id}-t">${title}</title>
      ${rows}${empty}
    </svg>
    <figcaption>${title}</figcaption>
  </figure>`;
}

export function pct(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`;
}

function clip(text: string): string {
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
}

function timeLabel(ms: number, bucketMs: number): string {
  const iso = new Date(ms).toISOString();
  return bucketMs >= 86_400_000 ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}Z`;
}

function durationLabel(ms: number): string {
  if (ms >= 86_400_000) return `${ms / 86_400_000} day${ms === 86_400_000 ? "" : "s"}`;
  if (ms >= 3_600_000) return `${ms / 3_600_000} hour${ms === 3_600_000 ? "" : "s"}`;
  return `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}`;
}

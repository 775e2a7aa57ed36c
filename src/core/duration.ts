const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `90s`, `15m`, `2h`, `7d`, `1w` or `1h30m` (or an ISO 8601 duration
 * such as `PT2H`, `P1D`) into milliseconds. Returns `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const iso = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (iso && text.length > 1 && !/T$/i.test(text)) {
    const [, w, d, h, m, s] = iso;
    return (
      Number(w ?? 0) * UNITS.w! +
      Number(d ?? 0) * UNITS.d! +
      Number(h ?? 0) * UNITS.h! +
      Number(m ?? 0) * UNITS.m! +
      Math.round(Number(s ?? 0) * 1000)
    );
  }
  const parts = /^(?:\d+(?:ms|s|m|h|d|w))+$/.test(text) ? text.match(/\d+(?:ms|s|m|h|d|w)/g) : null;
  if (!parts) return undefined;
  let total = 0;
  for (const part of parts) {
    const unit = /[a-z]+$/.exec(part)![0];
    total += Number(part.slice(0, -unit.length)) * UNITS[unit]!;
  }
  return total;
}

/** Parses an ISO 8601 instant; a date-time without a zone is rejected (ambiguous). */
export function parseInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i.test(text)) {
    return undefined;
  }
  // Date.parse rolls impossible dates over (`2026-02-30` is 2 March): reject a day the month does not have.
  const [year, month, day] = [Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (days === undefined || day < 1 || day > days) return undefined;
  const ms = Date.parse(text.replace(" ", "T"));
  return Number.isFinite(ms) ? ms : undefined;
}

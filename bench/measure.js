// Timing helpers. Every figure is in microseconds unless its name says otherwise.

/** The value at quantile `q` (0..1) of `values`, nearest-rank on a sorted copy. */
export function quantile(values, q) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function summary(values) {
  let sum = 0;
  for (const v of values) sum += v;
  return {
    median: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    mean: sum / values.length,
    min: quantile(values, 0),
    max: quantile(values, 1),
  };
}

// Keeps results observable so the JIT cannot drop the work being timed.
let sink = 0;
export const consume = (v) => {
  sink = (sink + (typeof v === "string" ? v.length : (v?.verdict?.length ?? 1))) | 0;
};
export const sinkValue = () => sink;

/**
 * Times `fn` over `calls`, cycling through them: `samples` samples, each the wall time of `batch` consecutive
 * calls divided by `batch` (one `process.hrtime.bigint()` pair per batch keeps the timer's own cost and
 * resolution out of per-call figures). `warmup` calls first, untimed.
 */
export function timeBatches(fn, calls, { samples, batch, warmup }) {
  const n = calls.length;
  let k = 0;
  for (let i = 0; i < warmup; i++) {
    consume(fn(calls[k]));
    k = k + 1 === n ? 0 : k + 1;
  }
  const perCall = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) {
      consume(fn(calls[k]));
      k = k + 1 === n ? 0 : k + 1;
    }
    const t1 = process.hrtime.bigint();
    perCall[s] = Number(t1 - t0) / batch / 1000;
  }
  const s = summary(perCall);
  return {
    medianUs: s.median,
    p99Us: s.p99,
    meanUs: s.mean,
    samples,
    batch,
    calls: samples * batch,
    perCall,
  };
}

/** The cost of one `process.hrtime.bigint()` pair with nothing between, median of `n`, in µs. */
export function timerOverheadUs(n = 20_000) {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    d[i] = Number(t1 - t0) / 1000;
  }
  return quantile(d, 0.5);
}

/**
 * Times each call on its own (one hrtime pair per call): a real per-call distribution, tail included, but
 * each figure also contains the timer's own cost (reported beside it).
 */
export function timeSingles(fn, calls, count) {
  const n = calls.length;
  const d = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const call = calls[i % n];
    const t0 = process.hrtime.bigint();
    const v = fn(call);
    const t1 = process.hrtime.bigint();
    consume(v);
    d[i] = Number(t1 - t0) / 1000;
  }
  const s = summary(d);
  return { medianUs: s.median, p99Us: s.p99, maxUs: s.max, count };
}

/** Runs `fn(i)` `n` times, timing each run on its own; figures in ms. */
export function timeRuns(fn, n) {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    consume(fn(i));
    d[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const s = summary(d);
  return { medianMs: s.median, p99Ms: s.p99, minMs: s.min, maxMs: s.max, runs: n };
}

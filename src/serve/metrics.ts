import type { AuditEntry } from "../guard/audit-record.js";
import { ALERT_TOOL, RESET_TOOL } from "../monitor/alert.js";
import { OPERATOR_TOOL_PREFIX } from "./operator-audit.js";

export interface Tally {
  readonly key: string;
  readonly calls: number;
  /** Calls whose decision carried an authority delta: they reached beyond the mandate (refused or asked). */
  readonly violations: number;
}

export interface Bucket {
  readonly startMs: number;
  readonly calls: number;
  readonly violations: number;
}

export interface AuditMetrics {
  readonly calls: number;
  readonly violations: number;
  readonly verdicts: readonly Tally[];
  readonly bucketMs: number;
  readonly overTime: readonly Bucket[];
  readonly byAgent: readonly Tally[];
  readonly byTool: readonly Tally[];
  readonly deltaKinds: readonly Tally[];
}

const BUCKET_SIZES = [60_000, 5 * 60_000, 15 * 60_000, 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000];

/**
 * Figures over agents' decisions: one per call (the `decision` record; outcome records and the dashboard's own
 * events are left out). A violation is a call that reached beyond what its mandate allows outright: a non-empty
 * delta (refused) or escalation (sent to a person).
 */
export async function auditMetrics(
  entries: AsyncIterable<AuditEntry>,
  fromMs: number,
  toMs: number,
): Promise<AuditMetrics> {
  const bucketMs = BUCKET_SIZES.find((size) => (toMs - fromMs) / size <= 48) ?? BUCKET_SIZES.at(-1)!;
  const start = Math.floor(fromMs / bucketMs) * bucketMs;
  const overTime = new Map<number, { calls: number; violations: number }>();
  for (let t = start; t < toMs; t += bucketMs) overTime.set(t, { calls: 0, violations: 0 });
  const verdicts = new Map<string, { calls: number; violations: number }>();
  const agents = new Map<string, { calls: number; violations: number }>();
  const tools = new Map<string, { calls: number; violations: number }>();
  const kinds = new Map<string, { calls: number; violations: number }>();
  let calls = 0;
  let violations = 0;
  for await (const e of entries) {
    // Operator events and the monitors' alerts and resets are records of the chain, not agents' calls.
    if (
      e.event !== "decision" ||
      typeof e.tool !== "string" ||
      e.tool.startsWith(OPERATOR_TOOL_PREFIX) ||
      e.tool === ALERT_TOOL ||
      e.tool === RESET_TOOL
    )
      continue;
    const ms = Date.parse(e.time);
    if (!(ms >= fromMs && ms < toMs)) continue;
    // A refused call carries its delta; an asked one, its escalation (what no `allow` rule covered).
    const items = [
      ...(Array.isArray(e.delta) ? e.delta : []),
      ...(Array.isArray(e.escalation) ? e.escalation : []),
    ];
    const violated = items.length > 0 ? 1 : 0;
    calls++;
    violations += violated;
    count(overTime, Math.floor(ms / bucketMs) * bucketMs, violated);
    count(
      verdicts,
      `${e.verdict}${e.verdict === "ask" ? ` → ${e.effect === "allow" ? "approved" : "refused"}` : ""}`,
      violated,
    );
    count(agents, e.agent ?? "(no agent)", violated);
    count(tools, e.tool, violated);
    for (const item of items) count(kinds, String(item.kind), 1);
  }
  return {
    calls,
    violations,
    bucketMs,
    verdicts: top(verdicts, 10),
    overTime: [...overTime].map(([startMs, v]) => ({ startMs, ...v })).sort((a, b) => a.startMs - b.startMs),
    byAgent: top(agents, 10),
    byTool: top(tools, 12),
    deltaKinds: top(kinds, 10),
  };
}

function count(
  map: Map<string | number, { calls: number; violations: number }>,
  key: string | number,
  violated: number,
): void {
  const tally = map.get(key) ?? { calls: 0, violations: 0 };
  tally.calls++;
  tally.violations += violated;
  map.set(key, tally);
}

function top(map: Map<string, { calls: number; violations: number }>, n: number): Tally[] {
  return [...map]
    .map(([key, v]) => ({ key, ...v }))
    .sort((a, b) => b.calls - a.calls || a.key.localeCompare(b.key))
    .slice(0, n);
}

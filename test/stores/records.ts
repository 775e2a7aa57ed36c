import type { AuditRecord } from "../../src/guard/audit-record.js";

/** A plausible audit record; `i` varies the call, `overrides` anything else. */
export function auditRecord(i = 1, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    event: "decision",
    time: new Date(Date.UTC(2025, 0, 1, 12, 0, i)).toISOString(),
    mandateId: "m-1",
    subject: "alice",
    agent: "mail-agent",
    session: "s-1",
    callId: `call-${i}`,
    tool: "send_email",
    args: { to: "bob@example.com", subject: `hello ${i}`, cc: [] },
    verdict: "allow",
    effect: "allow",
    mode: "enforce",
    delta: [],
    rule: { effect: "allow", index: 0, pointer: "/allow/0" },
    reason: "allowed by rule `/allow/0`",
    approval: null,
    outcome: "ok",
    error: null,
    latencyMs: 1.25,
    ...overrides,
  };
}

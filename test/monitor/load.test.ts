import { describe, expect, test } from "vitest";
import { formatIssue } from "../../src/core/issue.js";
import { loadMonitors, MonitorConfigError, parseMonitors } from "../../src/monitor/index.js";

const errors = (text: string) => {
  const r = parseMonitors(text, { file: "monitors.yaml" });
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues.map(formatIssue);
};

describe("monitors file", () => {
  test("every kind loads, with defaults and durations in ms", () => {
    const config = loadMonitors(`
monitors: 1
rules:
  - { id: d, kind: denials, count: 3, within: 5m, breaker: session }
  - { id: n, kind: new-tool }
  - { id: w, kind: ask-waiting, longerThan: 2m }
  - { id: v, kind: violation-rate, baseline: 0.05 }
  - { id: c, kind: audit-chain, breaker: { scope: all, action: deny } }
  - { id: a, kind: after-done, severity: critical }
notify:
  webhooks:
    - { url: "https://alerts.example/hook", secretEnv: ALERT_SECRET }
`);
    expect(config.rules).toEqual([
      {
        id: "d",
        kind: "denials",
        count: 3,
        withinMs: 300_000,
        severity: "warning",
        breaker: { scope: "session", action: "ask" },
      },
      { id: "n", kind: "new-tool", minHistory: 0, severity: "warning", breaker: null },
      { id: "w", kind: "ask-waiting", longerThanMs: 120_000, severity: "warning", breaker: null },
      {
        id: "v",
        kind: "violation-rate",
        window: 20,
        minCalls: 10,
        factor: 2,
        margin: 0.2,
        baseline: 0.05,
        severity: "warning",
        breaker: null,
      },
      {
        id: "c",
        kind: "audit-chain",
        everyMs: 60_000,
        severity: "warning",
        breaker: { scope: "all", action: "deny" },
      },
      { id: "a", kind: "after-done", severity: "critical", breaker: null },
    ]);
    expect(config.webhooks).toEqual([{ url: "https://alerts.example/hook", secretEnv: "ALERT_SECRET" }]);
  });

  test("errors name the file, line, column and field, with a spelling hint", () => {
    expect(
      errors(`monitors: 1
rules:
  - id: d
    kind: denials
    count: 0
    withn: 5m
  - id: d
    kind: denails
`),
    ).toEqual([
      "monitors.yaml:6:5: error: rules[0].withn: unknown key `withn`; did you mean `within`?",
      "monitors.yaml:5:12: error: rules[0].count: expected an integer >= 1, got `0`",
      "monitors.yaml:3:5: error: rules[0].within: expected a duration such as `30s`, `10m` or `1h`, got nothing",
      'monitors.yaml:8:11: error: rules[1].kind: expected one of `denials`, `new-tool`, `ask-waiting`, `violation-rate`, `audit-chain`, `after-done`, got `"denails"`; did you mean `denials`?',
    ]);
  });

  test("wrong version, bad breaker, bad webhook", () => {
    const issues = errors(`monitors: 2
rules:
  - { id: c, kind: audit-chain, breaker: session }
  - { id: c, kind: after-done, breaker: { scope: team } }
notify: { webhooks: [{ url: "ftp://x" }] }
`);
    expect(issues).toEqual([
      "monitors.yaml:1:11: error: monitors: expected `1` (the version of this format), got `2`",
      "monitors.yaml:3:42: error: rules[0].breaker: a broken audit chain belongs to no session or agent: use scope `all`",
      'monitors.yaml:4:50: error: rules[1].breaker.scope: expected one of `session`, `agent`, `all`, got `"team"`',
      'monitors.yaml:5:29: error: notify.webhooks[0].url: expected an http(s) url, got `"ftp://x"`',
    ]);
  });

  test("duplicate rule ids", () => {
    expect(
      errors("monitors: 1\nrules:\n  - { id: x, kind: new-tool }\n  - { id: x, kind: after-done }\n"),
    ).toEqual(["monitors.yaml:4:11: error: rules[1].id: duplicate rule id `x`"]);
  });

  test("the throwing form carries every issue; bad YAML is located", () => {
    expect(() => loadMonitors("monitors: 1\nrules: [\n")).toThrow(MonitorConfigError);
    expect(errors("monitors: 1\nmonitors: 1\nrules: []\n")[0]).toMatch(/^monitors.yaml:2:1: error: /);
  });
});

import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { verifyChain } from "../../src/guard/audit-chain.js";
import { JsonlAuditLog, readJsonlAudit, verifyJsonlAudit } from "../../src/stores/jsonl/audit-log.js";
import { auditRecord } from "./records.js";
import { spawnFixture, watchChild } from "./spawn.js";
import { useTempDir } from "./temp-dir.js";

const file = useTempDir("mandate-jsonl-audit-");

async function logOf(n: number, path = file("audit.jsonl")): Promise<string> {
  const log = await JsonlAuditLog.open(path);
  for (let i = 1; i <= n; i++) await log.append(auditRecord(i));
  await log.close();
  return path;
}

const lines = (path: string): string[] => readFileSync(path, "utf8").split("\n").slice(0, -1);
const writeLines = (path: string, text: readonly string[]): void =>
  writeFileSync(path, `${text.join("\n")}\n`);

describe("JsonlAuditLog", () => {
  test("writes one entry per line, which reads back and verifies", async () => {
    const path = file("audit.jsonl");
    const log = await JsonlAuditLog.open(path);
    const written = [await log.append(auditRecord(1)), await log.append(auditRecord(2))];
    await log.close();
    expect(lines(path).map((line) => JSON.parse(line) as unknown)).toEqual(written);
    expect(readJsonlAudit(path)).toEqual({ entries: written, malformed: null });
    expect(verifyJsonlAudit(path)).toEqual(verifyChain(written));
  });

  test("continues the chain from the file's last line", async () => {
    const path = await logOf(3);
    const log = await JsonlAuditLog.open(path);
    const fourth = await log.append(auditRecord(4));
    expect(fourth).toMatchObject({ seq: 4, prevHash: readJsonlAudit(path).entries[2]?.hash });
    expect(await log.verify()).toMatchObject({ ok: true, count: 4, head: fourth.hash });
    await log.close();
  });

  test("continues after a last line longer than one read of the tail", async () => {
    const path = file("long.jsonl");
    const log = await JsonlAuditLog.open(path);
    await log.append(auditRecord(1, { args: { body: "x".repeat(150_000) } }));
    await log.append(auditRecord(2, { args: { body: "y".repeat(200_000) } }));
    await log.close();
    const reopened = await JsonlAuditLog.open(path);
    expect((await reopened.append(auditRecord(3))).seq).toBe(3);
    expect(await reopened.verify()).toMatchObject({ ok: true, count: 3 });
    await reopened.close();
  });

  test("cuts off a torn last line on open: that append never resolved", async () => {
    const path = await logOf(2);
    const [, second = ""] = lines(path);
    appendFileSync(path, second.slice(0, 40));
    expect(readJsonlAudit(path).malformed).toEqual({ line: 3, reason: "line is incomplete" });
    expect(verifyJsonlAudit(path)).toMatchObject({ ok: false, firstBad: { seq: 3 } });

    const log = await JsonlAuditLog.open(path);
    expect(await log.verify()).toMatchObject({ ok: true, count: 2 });
    expect((await log.append(auditRecord(3))).seq).toBe(3);
    expect(await log.verify()).toMatchObject({ ok: true, count: 3 });
    await log.close();
  });

  test("a file holding only a torn line starts over", async () => {
    const path = file("torn.jsonl");
    writeFileSync(path, '{"seq":1,');
    const log = await JsonlAuditLog.open(path);
    expect((await log.append(auditRecord(1))).seq).toBe(1);
    await log.close();
    expect(verifyJsonlAudit(path)).toMatchObject({ ok: true, count: 1 });
  });

  test("refuses to continue from a last line that is not a valid entry", async () => {
    const path = await logOf(2);
    const text = lines(path);
    writeLines(path, [text[0] ?? "", (text[1] ?? "").replace("send_email", "wire_money")]);
    await expect(JsonlAuditLog.open(path)).rejects.toThrow(/its last line is not a valid audit entry$/);
  });
});

describe("verifyJsonlAudit detects tampering with the file", () => {
  test("an edited line", async () => {
    const path = await logOf(5);
    const text = lines(path);
    text[2] = (text[2] ?? "").replace("bob@example.com", "eve@example.com");
    writeLines(path, text);
    expect(verifyJsonlAudit(path)).toEqual({
      ok: false,
      count: 2,
      firstBad: { seq: 3, reason: "hash does not match the record's contents" },
    });
  });

  test("a deleted line", async () => {
    const path = await logOf(5);
    writeLines(
      path,
      lines(path).filter((_, i) => i !== 1),
    );
    expect(verifyJsonlAudit(path)).toMatchObject({ ok: false, count: 1, firstBad: { seq: 3 } });
  });

  test("swapped lines", async () => {
    const path = await logOf(5);
    const text = lines(path);
    writeLines(
      path,
      [text[0], text[3], text[2], text[1], text[4]].map((t) => t ?? ""),
    );
    expect(verifyJsonlAudit(path)).toMatchObject({ ok: false, count: 1, firstBad: { seq: 4 } });
  });

  test("a malformed line is the first bad record in its place", async () => {
    const path = await logOf(5);
    const text = lines(path);
    text[2] = "not json";
    writeLines(path, text);
    expect(verifyJsonlAudit(path)).toEqual({
      ok: false,
      count: 2,
      firstBad: { seq: 3, reason: "line 3: record is not valid json" },
    });
    text[2] = "[]";
    writeLines(path, text);
    expect(verifyJsonlAudit(path)).toMatchObject({
      firstBad: { seq: 3, reason: "line 3: record is not a json object" },
    });
  });

  test("a bad record before a malformed line is reported first", async () => {
    const path = await logOf(5);
    const text = lines(path);
    text[1] = (text[1] ?? "").replace("send_email", "wire_money");
    text[3] = "";
    writeLines(path, text);
    expect(verifyJsonlAudit(path)).toMatchObject({ ok: false, count: 1, firstBad: { seq: 2 } });
  });
});

test("an acknowledged append survives SIGKILL", async () => {
  const path = file("killed.jsonl");
  const child = spawnFixture("audit-appender.ts", ["jsonl", path, "0", "32"]);
  const acknowledged: number[] = [];
  const { signal, stderr } = await watchChild(child, (line) => {
    acknowledged.push(Number(line));
    if (acknowledged.length === 2000) child.kill("SIGKILL");
  });
  expect({ signal, stderr }).toEqual({ signal: "SIGKILL", stderr: "" });

  const log = await JsonlAuditLog.open(path);
  const verification = await log.verify();
  expect(verification.ok).toBe(true);
  expect(verification.count).toBeGreaterThanOrEqual(Math.max(...acknowledged));
  await log.close();
});

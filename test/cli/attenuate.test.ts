import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, test } from "vitest";
import { attenuateCommand, registerAttenuateCommand } from "../../src/cli/commands/attenuate.js";
import { CliError } from "../../src/cli/exit-codes.js";
import { PAY_RENT_YAML } from "../fixtures/banking.js";

const dir = mkdtempSync(join(tmpdir(), "mandate-attenuate-"));
const parent = join(dir, "parent.yaml");
const narrow = join(dir, "narrow.yaml");
const wide = join(dir, "wide.yaml");
writeFileSync(parent, PAY_RENT_YAML);
writeFileSync(
  narrow,
  `mandate: 1
id: rent-only
expires: 2026-11-30T00:00:00Z
allow:
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { exclusiveMinimum: 0, maximum: 1000 }
    budget: { calls: 1, sum: { amount: 1000 } }
deny:
  - tool: "update_*"
`,
);
writeFileSync(
  wide,
  `mandate: 1
id: greedy
expires: 2026-11-30T00:00:00Z
allow:
  - tool: send_money
    args:
      recipient: { const: DE89370400440532013000 }
      amount: { exclusiveMinimum: 0, maximum: 5000 }
    budget: { calls: 1, sum: { amount: 5000 } }
`,
);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}
const now = "2026-11-23T12:00:00Z";

describe("mandate attenuate", () => {
  test("a narrower child exits 0", () => {
    const c = capture();
    expect(attenuateCommand({ parent, child: narrow, now }, c.io)).toBe(0);
    expect(c.out.join("\n")).toContain("an attenuation of");
  });

  test("a wider child exits 1 and says what is wider, by field", () => {
    const c = capture();
    expect(attenuateCommand({ parent, child: wide, now }, c.io)).toBe(1);
    expect(c.out).toContain(
      `  ${wide}: allow[0].args.amount.maximum: allow[0]: wider than the parent: \`amount\` maximum 5000 > 1200 (against the parent's allow[2])`,
    );
    expect(c.out.join("\n")).toContain("budget sum of `amount` 5000 > 1200");
  });

  test("--json prints the result; a missing file is a CliError", () => {
    const c = capture();
    expect(attenuateCommand({ parent, child: wide, now, json: true }, c.io)).toBe(1);
    const parsed = JSON.parse(c.out.join("\n")) as { ok: boolean; wider: { field: string }[] };
    expect(parsed.ok).toBe(false);
    expect(parsed.wider.map((g) => g.field)).toEqual([
      "allow[0].args.amount.maximum",
      "allow[0].budget.sum.amount",
    ]);
    expect(() => attenuateCommand({ parent, child: join(dir, "nope.yaml") }, capture().io)).toThrow(CliError);
  });

  test("registered on a program, it parses its flags", async () => {
    let code = -1;
    const program = new Command("mandate").exitOverride();
    registerAttenuateCommand(program, capture().io, (x) => (code = x));
    await program.parseAsync(["attenuate", "--parent", parent, "--child", narrow, "--now", now], {
      from: "user",
    });
    expect(code).toBe(0);
  });
});

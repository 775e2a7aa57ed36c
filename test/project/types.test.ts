import { describe, expectTypeOf, test } from "vitest";
import type {
  AuthorityDeltaItem,
  Decision,
  DeltaKind,
  Denial,
  Guard,
  GuardResult,
  MandateLoadResult,
  Verdict,
} from "../../src/index.js";

// The public types are the documentation: these fail to compile if a union widens or a field goes missing.
describe("public types", () => {
  test("a verdict is one of three words, and a delta item names its kind", () => {
    expectTypeOf<Verdict>().toEqualTypeOf<"allow" | "deny" | "ask">();
    expectTypeOf<DeltaKind>().toEqualTypeOf<
      "tool" | "argument" | "budget" | "provenance" | "expiry" | "scope" | "policy"
    >();
    expectTypeOf<AuthorityDeltaItem["path"]>().toEqualTypeOf<string>();
    expectTypeOf<Decision["delta"]>().toEqualTypeOf<readonly AuthorityDeltaItem[]>();
  });

  test("a guarded result is a discriminated union on `denied`", () => {
    const narrow = (r: GuardResult<number>): number | Denial => (r.denied ? r : r.value);
    expectTypeOf(narrow).returns.toEqualTypeOf<number | Denial>();
    expectTypeOf<Extract<GuardResult<number>, { denied: false }>["value"]>().toEqualTypeOf<number>();
    expectTypeOf<Denial["verdict"]>().toEqualTypeOf<"deny" | "ask">();
  });

  test("wrap keeps the tool's argument and result types", () => {
    type Wrapped = ReturnType<Guard["wrap"]>;
    expectTypeOf<Wrapped>().toBeFunction();
    const typed = (g: Guard) => g.wrap("send", (a: { amount: number }) => `sent ${a.amount}`);
    expectTypeOf(typed).returns.parameter(0).toEqualTypeOf<{ amount: number }>();
    expectTypeOf(typed).returns.returns.toEqualTypeOf<Promise<string | Denial>>();
  });

  test("the loader's result carries a mandate only when it is ok", () => {
    const use = (r: MandateLoadResult) => (r.ok ? r.mandate.id : r.issues.length);
    expectTypeOf(use).returns.toEqualTypeOf<string | number>();
  });
});

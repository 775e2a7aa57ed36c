/**
 * `multipleOf` in exact decimal arithmetic. JSON Schema validators divide in binary floating point, so
 * `{ multipleOf: 0.01 }` refuses 19.99 and `{ multipleOf: 0.1 }` refuses 0.3; for amounts of money that is wrong.
 * Each number is taken as the decimal it prints as (its shortest round-trip form, which is what the agent and the
 * mandate wrote), both are scaled to integers, and the remainder is computed on BigInts.
 */
export function isMultipleOf(value: number, step: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(step) || !(step > 0)) return false;
  if (Number.isSafeInteger(value) && Number.isSafeInteger(step)) return value % step === 0;
  const a = decimal(value);
  const b = decimal(step);
  const exp = Math.min(a.exp, b.exp);
  return (a.digits * 10n ** BigInt(a.exp - exp)) % (b.digits * 10n ** BigInt(b.exp - exp)) === 0n;
}

/** `|n|` as `digits × 10^exp`, from its shortest decimal form (`19.99` → 1999 × 10^-2, `1e+21` → 1 × 10^21). */
function decimal(n: number): { digits: bigint; exp: number } {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(n)))!;
  const fraction = match[2] ?? "";
  return { digits: BigInt(match[1]! + fraction), exp: Number(match[3] ?? 0) - fraction.length };
}

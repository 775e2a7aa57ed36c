import { RE2JS } from "re2js";

/**
 * `pattern` runs on RE2 (linear time), never on a backtracking engine: a mandate, a tool schema or an attacker's
 * argument cannot make a check take exponential time. RE2 has no look-around or back-references; a pattern
 * that uses them is rejected when the mandate is loaded.
 */
export interface Pattern {
  readonly source: string;
  /** Unanchored search, as JSON Schema's `pattern` means. */
  test(text: string): boolean;
  /** Distinct per source: ajv tells compiled patterns apart by it. */
  toString(): string;
}

export type PatternResult =
  { readonly ok: true; readonly pattern: Pattern } | { readonly ok: false; readonly message: string };

const cache = new Map<string, Pattern>();

export function compilePattern(source: string): PatternResult {
  const hit = cache.get(source);
  if (hit) return { ok: true, pattern: hit };
  try {
    const re = RE2JS.compile(source);
    // ajv keys compiled patterns by `toString()` and reuses the value under a known key: without a toString
    // of its own, every pattern would be "[object Object]", and ajv would check them all as the first one.
    const pattern: Pattern = { source, test: (text) => re.test(text), toString: () => `/${source}/re2` };
    if (cache.size < 10_000) cache.set(source, pattern);
    return { ok: true, pattern };
  } catch (error) {
    const detail =
      error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error);
    return {
      ok: false,
      message: `invalid pattern \`${source}\`: ${detail} (patterns run on RE2: no look-around or back-references)`,
    };
  }
}

/** The regular-expression engine ajv uses for `pattern` and `patternProperties`. */
export function re2Engine(source: string): { test: (text: string) => boolean } {
  const result = compilePattern(source);
  if (!result.ok) throw new Error(result.message);
  return result.pattern;
}
re2Engine.code = 'require("re2js").RE2JS'; // never used: ajv only reads it for standalone code

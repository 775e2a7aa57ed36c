/**
 * Decisions over tool-name globs as languages: does every name one list of selectors matches also match another
 * (containment), and can two lists match a common name (overlap)? Exact, by exploring the product of the globs'
 * automata over an alphabet of the literal characters they mention plus one symbol for "any other character".
 * Used by `attenuate` to compare a child's tool selectors with its parent's.
 */

/** One alternative of a glob after its `{a,b}` groups are expanded: literals, `?` and `*`. */
type Token =
  { readonly kind: "char"; readonly ch: string } | { readonly kind: "one" } | { readonly kind: "any" };

/** Alternatives beyond this make the decision give up (answered `null`: cannot tell) rather than blow up. */
const MAX_ALTERNATIVES = 256;
const MAX_STATES = 20_000;
/** The symbol standing for every character no glob names. Not a character, so it never equals a literal. */
const OTHER = "\u{10FFFF}\u0000";

function expand(selector: string): Token[][] | null {
  let alternatives: Token[][] = [[]];
  let group: Token[][] | null = null;
  let current: Token[] = [];
  for (const ch of selector) {
    const token: Token | null = ch === "*" ? { kind: "any" } : ch === "?" ? { kind: "one" } : null;
    if (group === null) {
      if (ch === "{") {
        group = [];
        current = [];
      } else {
        const t = token ?? { kind: "char", ch };
        alternatives = alternatives.map((a) => [...a, t]);
      }
      continue;
    }
    if (ch === "," || ch === "}") {
      group.push(current);
      current = [];
      if (ch === "}") {
        const parts = group;
        alternatives = alternatives.flatMap((a) => parts.map((p) => [...a, ...p]));
        group = null;
        if (alternatives.length > MAX_ALTERNATIVES) return null;
      }
      continue;
    }
    current.push(token ?? { kind: "char", ch });
  }
  // An unclosed `{` is rejected by the loader; here it would be a literal we cannot reason about.
  return group === null ? alternatives : null;
}

/** An NFA of several expanded globs: state = [alternative, position]. */
class GlobAutomaton {
  constructor(readonly alternatives: readonly (readonly Token[])[]) {}

  /** Start states, closed under `*` matching nothing. */
  start(): Set<string> {
    const out = new Set<string>();
    this.alternatives.forEach((_, a) => this.close(a, 0, out));
    return out;
  }

  private close(a: number, pos: number, out: Set<string>): void {
    const tokens = this.alternatives[a]!;
    for (let p = pos; ; p++) {
      out.add(`${a}:${p}`);
      if (p >= tokens.length || tokens[p]!.kind !== "any") return;
    }
  }

  step(states: ReadonlySet<string>, symbol: string): Set<string> {
    const out = new Set<string>();
    for (const state of states) {
      const [a, p] = state.split(":").map(Number) as [number, number];
      const tokens = this.alternatives[a]!;
      const t = tokens[p];
      if (t === undefined) continue;
      if (t.kind === "any") this.close(a, p, out);
      else if (t.kind === "one" || t.ch === symbol) this.close(a, p + 1, out);
    }
    return out;
  }

  accepts(states: ReadonlySet<string>): boolean {
    for (const state of states) {
      const [a, p] = state.split(":").map(Number) as [number, number];
      if (p === this.alternatives[a]!.length) return true;
    }
    return false;
  }

  literals(): Set<string> {
    const out = new Set<string>();
    for (const alt of this.alternatives) for (const t of alt) if (t.kind === "char") out.add(t.ch);
    return out;
  }
}

function automaton(selectors: readonly string[]): GlobAutomaton | null {
  const alternatives: Token[][] = [];
  for (const s of selectors) {
    const expanded = expand(s);
    if (expanded === null) return null;
    alternatives.push(...expanded);
    if (alternatives.length > MAX_ALTERNATIVES) return null;
  }
  return new GlobAutomaton(alternatives);
}

/**
 * Explores pairs of state sets reachable on a common word; `bad` says when a pair shows the property fails.
 * `true`: some reachable pair is bad; `false`: none is; `null`: too large to tell.
 */
function reachable(
  a: GlobAutomaton,
  b: GlobAutomaton,
  bad: (inA: boolean, inB: boolean) => boolean,
): boolean | null {
  const alphabet = [...new Set([...a.literals(), ...b.literals()]), OTHER];
  const key = (x: ReadonlySet<string>, y: ReadonlySet<string>) =>
    `${[...x].sort().join(",")}|${[...y].sort().join(",")}`;
  const first: [Set<string>, Set<string>] = [a.start(), b.start()];
  const seen = new Set([key(...first)]);
  const queue = [first];
  while (queue.length > 0) {
    const [x, y] = queue.pop()!;
    if (bad(a.accepts(x), b.accepts(y))) return true;
    if (x.size === 0) continue;
    for (const symbol of alphabet) {
      const next: [Set<string>, Set<string>] = [a.step(x, symbol), b.step(y, symbol)];
      if (next[0].size === 0) continue;
      const k = key(...next);
      if (seen.has(k)) continue;
      if (seen.size >= MAX_STATES) return null;
      seen.add(k);
      queue.push(next);
    }
  }
  return false;
}

/**
 * Whether every tool name matched by one of `inner` is matched by one of `outer`. `null` when the globs are too
 * large to decide (callers treat that as "not proven").
 */
export function globsWithin(inner: readonly string[], outer: readonly string[]): boolean | null {
  const a = automaton(inner);
  const b = automaton(outer);
  if (a === null || b === null) return null;
  const counter = reachable(a, b, (inA, inB) => inA && !inB);
  return counter === null ? null : !counter;
}

/** Whether some tool name is matched by both lists. `null` when too large to decide (callers assume overlap). */
export function globsOverlap(x: readonly string[], y: readonly string[]): boolean | null {
  const a = automaton(x);
  const b = automaton(y);
  if (a === null || b === null) return null;
  return reachable(a, b, (inA, inB) => inA && inB);
}

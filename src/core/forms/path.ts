/**
 * The `path` form: a file path under one of the granted roots, judged after lexical normalisation with
 * POSIX semantics. The rules (see "Domain forms" in docs/mandate-language.md) reject every spelling whose meaning depends on who reads
 * it, rather than guessing: backslashes, percent-escapes, trailing dots and spaces, look-alike separators.
 * The check is lexical: it cannot see symbolic links inside a root that point outside it.
 */
import type { PathForm } from "../mandate.js";
import { type FormCheck, formCheck, FormSpecError, describeType, orList, show } from "./form.js";

/** Longer values are rejected rather than normalised (Linux PATH_MAX). */
export const MAX_PATH_LENGTH = 4096;

export type Normalised =
  { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

const CONTROL = /[\p{Cc}\p{Cs}]/u;
/** Zero-width and other ignorable characters: some file systems drop them (HFS+: `.g\u200cit` is `.git`). */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
/**
 * Characters that look like `/` or `\` and that some conversions (NFKC, Windows "best fit") turn into one.
 * Characters whose NFKC form contains a separator are caught separately.
 */
const LOOKALIKE_SEPARATOR = /[\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c]/u;
const NON_ASCII = /[^\x00-\x7f]/;

let memoIn: string | undefined;
let memoOut: Normalised | undefined;
function analyse(value: string): Normalised {
  if (value === memoIn) return memoOut!;
  const out = analyseUncached(value);
  memoIn = value;
  memoOut = out;
  return out;
}

/**
 * Paths already in normal form and plain ASCII, the common case: `/`-separated segments of letters, digits,
 * `_`, `-` and inner dots. No segment can be `.`, `..`, empty, or end in a dot, so the value is its own
 * normal form and the checks below could not refuse it.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_-](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)+$/;

function analyseUncached(value: string): Normalised {
  if (value.length > MAX_PATH_LENGTH) {
    return { ok: false, reason: `is longer than ${MAX_PATH_LENGTH} characters` };
  }
  if (PLAIN_PATH.test(value)) return { ok: true, path: value };
  return analyseSlow(value);
}

/** The full analysis; exported for the test that checks the fast path against it. */
export function analyseSlow(value: string): Normalised {
  const control = CONTROL.exec(value);
  if (control !== null) {
    const what = control[0] === "\0" ? "a NUL byte" : "a control character";
    return { ok: false, reason: `contains ${what}` };
  }
  if (IGNORABLE.test(value)) return { ok: false, reason: "contains an invisible (ignorable) character" };
  if (value.includes("\\")) {
    return { ok: false, reason: "contains a backslash, which some systems read as a separator" };
  }
  const escape = PERCENT_ESCAPE.exec(value);
  if (escape !== null) {
    return {
      ok: false,
      reason: `contains the percent-escape ${show(escape[0])}; paths are taken literally, so escapes are not accepted`,
    };
  }
  const lookalike = LOOKALIKE_SEPARATOR.exec(value);
  if (lookalike !== null) {
    return { ok: false, reason: `contains ${show(lookalike[0])}, which looks like a separator` };
  }
  const path = value.normalize("NFC");
  if (!path.startsWith("/")) {
    const hint = path.startsWith("~") ? " (`~` is not expanded)" : "";
    return { ok: false, reason: `is not an absolute path${hint}` };
  }
  if (path.startsWith("//")) {
    return { ok: false, reason: "starts with `//`, which some systems read as a network path" };
  }
  const stack: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (stack.pop() === undefined) return { ok: false, reason: "goes above `/` with `..`" };
      continue;
    }
    const bad = badSegment(segment);
    if (bad !== undefined) return { ok: false, reason: bad };
    stack.push(segment);
  }
  return { ok: true, path: `/${stack.join("/")}` };
}

function badSegment(segment: string): string | undefined {
  if (segment.endsWith(".") || segment.endsWith(" ")) {
    return `has the segment ${show(segment)} ending in a dot or space, which some systems drop`;
  }
  if (NON_ASCII.test(segment)) {
    // A segment must also be acceptable after compatibility folding: `\u2025` folds to `..`.
    const folded = segment.normalize("NFKC");
    if (/[/\\]/.test(folded)) return `has the segment ${show(segment)}, which folds to a separator`;
    if (folded === "." || folded === ".." || folded.endsWith(".") || folded.endsWith(" ")) {
      return `has the segment ${show(segment)}, which folds to ${show(folded)}`;
    }
  }
  return undefined;
}

/**
 * The normal form of an absolute path: NFC, `.` and `..` resolved, duplicate and trailing `/` removed.
 * `undefined` when the path is not acceptable at all (relative, `..` above `/`, ambiguous spelling).
 */
export function normalisePath(value: string): string | undefined {
  const result = analyse(value);
  return result.ok ? result.path : undefined;
}

/** Whether the normalised `path` is `root` or below it on a segment boundary. Both must be normalised. */
export function isUnder(path: string, root: string): boolean {
  if (root === "/") return true;
  return path === root || (path.startsWith(root) && path.charCodeAt(root.length) === 0x2f);
}

/** Problems with the form itself, for the mandate loader. Empty when the form is valid. */
export function validatePathForm(form: PathForm): string[] {
  const problems: string[] = [];
  const under: unknown = form.under;
  if (!Array.isArray(under)) return ["`under` must be a list of absolute paths"];
  if (under.length === 0) problems.push("`under` is empty, so no path would be allowed");
  for (const root of under as unknown[]) {
    if (typeof root !== "string") {
      problems.push("each root in `under` must be a string");
      continue;
    }
    const result = analyse(root);
    if (!result.ok) problems.push(`root ${show(root)} ${result.reason}`);
  }
  return problems;
}

export function compilePathForm(form: PathForm): FormCheck {
  const problems = validatePathForm(form);
  if (problems.length > 0) throw new FormSpecError("path", problems);
  const roots = [...new Set(form.under.map(normalisePath).filter((root) => root !== undefined))];
  const expected = `under ${orList(roots)}`;
  const holds = (value: unknown): boolean => {
    if (typeof value !== "string") return false;
    const result = analyse(value);
    return result.ok && roots.some((root) => isUnder(result.path, root));
  };
  return formCheck((value) => {
    if (typeof value !== "string") {
      return { message: `expected a path string ${expected}, got ${describeType(value)}` };
    }
    const result = analyse(value);
    if (!result.ok) {
      return { message: `${show(value)} ${result.reason}; expected an absolute path ${expected}` };
    }
    const path = result.path;
    for (const root of roots) if (isUnder(path, root)) return null;
    const resolves = path === value ? show(value) : `${show(value)} resolves to ${show(path)}, which`;
    return { message: `${resolves} is not ${expected}`, normalised: path };
  }, holds);
}

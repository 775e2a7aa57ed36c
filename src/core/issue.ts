/** A problem found in a mandate, located in its source so a person can fix it. */
export interface MandateIssue {
  readonly severity: "error" | "warning";
  /** The file the mandate came from, when known. */
  readonly file: string | null;
  /** 1-based line and column of the offending key or value (1:1 when the source has no positions). */
  readonly line: number;
  readonly column: number;
  /** JSON Pointer into the mandate, e.g. `/allow/2/args/amount/maximum`. */
  readonly pointer: string;
  /** The same place for people: `allow[2].args.amount.maximum`. */
  readonly field: string;
  /** One line, lowercase start, user input in backticks. */
  readonly message: string;
  /** The nearest valid key for a misspelt one. */
  readonly suggestion?: string;
}

/** `file:line:column: error: field: message; did you mean `x`?` */
export function formatIssue(issue: MandateIssue): string {
  const where = `${issue.file ?? "<mandate>"}:${issue.line}:${issue.column}`;
  const field = issue.field === "" ? "" : `${issue.field}: `;
  const hint = issue.suggestion === undefined ? "" : `; did you mean \`${issue.suggestion}\`?`;
  return `${where}: ${issue.severity}: ${field}${issue.message}${hint}`;
}

/** Thrown by the throwing loaders; carries every issue found, not only the first. */
export class MandateError extends Error {
  override name = "MandateError";
  readonly issues: readonly MandateIssue[];
  constructor(issues: readonly MandateIssue[]) {
    const errors = issues.filter((i) => i.severity === "error");
    super(
      errors.length === 1
        ? formatIssue(errors[0]!)
        : `${errors.length} errors in mandate:\n${errors.map(formatIssue).join("\n")}`,
    );
    this.issues = issues;
  }
}

export function pointerToField(pointer: string): string {
  if (pointer === "") return "";
  let out = "";
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a likely misspelling. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[b.length]!;
}

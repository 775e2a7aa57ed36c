/**
 * Domain forms: argument constraints that JSON Schema cannot say safely (a path under a root after
 * normalisation, a URL host in a set, an e-mail domain in a set). Each form compiles once to a `FormCheck`,
 * a pure function from an argument value to `null` (the value is within the form) or a failure.
 */

/** Why a value is outside a form. */
export interface FormFailure {
  /** One plain-English line, lowercase start, user values in backticks, saying what was expected. */
  readonly message: string;
  /** The value after normalisation, when it could be normalised (what the decision was made on). */
  readonly normalised?: string;
}

/**
 * Called, it returns `null` when the value is within the form, or why not. `holds` answers the same question
 * without wording a failure: what the allow path and deny rules use. Never throws.
 */
export type FormCheck = ((value: unknown) => FormFailure | null) & {
  readonly holds: (value: unknown) => boolean;
};

export function formCheck(
  explain: (value: unknown) => FormFailure | null,
  holds: (value: unknown) => boolean,
): FormCheck {
  return Object.assign(explain, { holds });
}

/**
 * Thrown by `compile*Form` when the form itself is invalid. The mandate loader should call `validate*Form`
 * first and report each problem at the form's place in the mandate; this error is the backstop.
 */
export class FormSpecError extends Error {
  override name = "FormSpecError";
  readonly problems: readonly string[];
  constructor(form: string, problems: readonly string[]) {
    super(
      problems.length === 1
        ? `invalid \`${form}\` form: ${problems[0]!}`
        : `invalid \`${form}\` form: ${problems.join("; ")}`,
    );
    this.problems = problems;
  }
}

const MAX_SHOWN = 160;

/**
 * A user value in backticks, safe to put in a one-line message: control, format, non-ASCII space and
 * separator characters and backticks are escaped as `\u{…}`, and long values are cut.
 */
export function show(value: string): string {
  const text = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  const escaped = text.replace(
    /[`\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/gu,
    (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`,
  );
  return `\`${escaped}\``;
}

/** `` `a` ``, `` `a` or `b` ``, `` `a`, `b` or `c` ``. */
export function orList(items: readonly string[]): string {
  const shown = items.map(show);
  const last = shown.pop();
  if (last === undefined) return "nothing";
  return shown.length === 0 ? last : `${shown.join(", ")} or ${last}`;
}

/** `a string`, `a number`, `null`, `an array`, … for "expected a path string, got …". */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === undefined) return "nothing";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

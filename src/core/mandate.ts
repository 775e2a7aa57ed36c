/**
 * The mandate language, version 1: the authority a user grants an agent for one task. Data, not code.
 * See docs/mandate-language.md for the reference.
 */

/** Domain forms that JSON Schema cannot say safely. */
export interface PathForm {
  readonly under: readonly string[];
}
export interface UrlForm {
  readonly hosts: readonly string[];
  readonly schemes?: readonly string[];
  readonly ports?: readonly number[];
}
export interface EmailForm {
  readonly domains: readonly string[];
}

/**
 * A check on one argument value: JSON Schema keywords (compiled with ajv) plus the domain forms `path`,
 * `url` and `email`. Nested constraints (`items`, `properties`, …) take the same shape.
 */
export interface Constraint {
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly items?: Constraint;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly contains?: Constraint;
  readonly properties?: Readonly<Record<string, Constraint>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Constraint;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly not?: Constraint;
  readonly anyOf?: readonly Constraint[];
  readonly oneOf?: readonly Constraint[];
  readonly allOf?: readonly Constraint[];
  readonly path?: PathForm;
  readonly url?: UrlForm;
  readonly email?: EmailForm;
  readonly description?: string;
}

/** Which sources must not flow into an argument, and how a flow is detected. See docs/provenance.md. */
export interface FlowRule {
  /**
   * Whose data must not reach this argument: `untrusted` tool outputs, and `sensitive` ones (outputs of the
   * mandate's `sensitiveTools`, whatever their trust). Default: both.
   */
  readonly forbid?: readonly ("untrusted" | "sensitive")[];
  /**
   * How a flow is found: `overlap` (a copied run of `minRun` characters, or text mostly copied from one source) and
   * `values` (one identifier, e-mail address or host name of the text comes from a forbidden source, and from no
   * trusted one). Default: both.
   */
  readonly detect?: readonly ("overlap" | "values")[];
  /** Characters of one copied run that make a flow. Default 20. */
  readonly minRun?: number;
  /** Share (0–1] of the text covered by copied pieces that makes a flow. Default 0.5. */
  readonly minShare?: number;
  /** Characters a copied piece needs to count towards `minShare`. Default 8. */
  readonly minPiece?: number;
}

/** A constraint on a top-level argument, with the annotations only an argument can carry. */
export interface ArgumentConstraint extends Constraint {
  /** Redact this argument's value in audit records and deltas. */
  readonly secret?: boolean;
  /** By default a constrained argument must be present; `optional: true` lets the call omit it. */
  readonly optional?: boolean;
  /**
   * The value must appear in a trusted source the session observed (the user's words, the mandate, or the output
   * of a tool the mandate trusts), not only in tool outputs or nowhere (invented). Preview; see docs/provenance.md.
   */
  readonly provenance?: "trusted";
  /** The value must appear in one of these sources: `user`, `mandate`, `tool:<name>`. Preview. */
  readonly from?: readonly string[];
  /** Data from untrusted or sensitive tool outputs must not flow into this argument (exfiltration). */
  readonly flow?: FlowRule;
}

/** Limits across the calls a rule covers. */
export interface Budget {
  /** At most this many calls. */
  readonly calls?: number;
  /** At most this total of each named numeric argument. */
  readonly sum?: Readonly<Record<string, number>>;
  /** Per fixed window of this length (`30m`, `1h`, `1d`); absent: for the mandate's whole life. */
  readonly per?: string;
}

export interface Rule {
  /** A tool name or glob (`*` any run of characters, `?` one, `{a,b}` alternatives). */
  readonly tool?: string;
  /** Several tool names or globs; exactly one of `tool` and `tools` is given. */
  readonly tools?: readonly string[];
  readonly id?: string;
  readonly description?: string;
  readonly args?: Readonly<Record<string, ArgumentConstraint>>;
  /** Only on `allow` and `ask` rules. */
  readonly budget?: Budget;
}

export interface Mandate {
  /** For editors: the JSON Schema of the file. Ignored. */
  readonly $schema?: string;
  readonly mandate: 1;
  readonly id: string;
  /** Who granted it (`user:alice`). */
  readonly subject?: string;
  /** To whom. */
  readonly agent?: string;
  /** The task in the user's words. */
  readonly task?: string;
  readonly description?: string;
  /** When it was granted (ISO 8601); `ttl` counts from here. */
  readonly issued?: string;
  readonly notBefore?: string;
  /** Absolute end of validity (ISO 8601). */
  readonly expires?: string;
  /** Relative validity (`15m`, `2h`, `7d`), from `issued`, else from when the mandate was compiled. */
  readonly ttl?: string;
  readonly mode?: "enforce" | "shadow";
  /** Tools whose outputs count as trusted sources for `provenance: trusted`. Preview. */
  readonly trustedTools?: readonly string[];
  /** Tools whose outputs are sensitive: `flow` rules keep them from flowing out, whatever their trust. */
  readonly sensitiveTools?: readonly string[];
  readonly allow?: readonly Rule[];
  readonly ask?: readonly Rule[];
  readonly deny?: readonly Rule[];
}

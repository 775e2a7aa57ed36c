import type { LintFinding } from "./lint.js";
import { LINT_RULE_IDS, LINT_RULES } from "./lint-rules.js";

/**
 * Lint findings as a SARIF 2.1.0 log, the format code scanning reads (GitHub, GitLab, Azure DevOps): one run, the
 * linter's rules in `tool.driver.rules`, one result per finding located by file, line and column, and the JSON
 * Pointer into the mandate as a logical location. The suggested fix travels in the message and in `properties`.
 */
export interface SarifLog {
  readonly $schema: string;
  readonly version: "2.1.0";
  readonly runs: readonly SarifRun[];
}

export interface SarifRun {
  readonly tool: {
    readonly driver: {
      readonly name: string;
      readonly version: string;
      readonly rules: readonly SarifRule[];
    };
  };
  readonly results: readonly SarifResult[];
}

export interface SarifRule {
  readonly id: string;
  readonly name: string;
  readonly shortDescription: { readonly text: string };
  readonly fullDescription: { readonly text: string };
  readonly help: { readonly text: string };
  readonly defaultConfiguration: { readonly level: "error" | "warning" | "note" };
}

export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly level: "error" | "warning" | "note";
  readonly message: { readonly text: string };
  readonly locations: readonly {
    readonly physicalLocation: {
      readonly artifactLocation: { readonly uri: string };
      readonly region: { readonly startLine: number; readonly startColumn: number };
    };
    readonly logicalLocations: readonly { readonly fullyQualifiedName: string; readonly kind: string }[];
  }[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
  readonly properties: { readonly fix: string; readonly pointer: string; readonly tools: readonly string[] };
}

export interface SarifOptions {
  /** The linter's version, shown by code scanning. */
  readonly version: string;
  /**
   * The artifact URI of a finding's file: relative to the repository root for code scanning. Default: the file as
   * given, with `\` turned to `/` and characters a URI cannot hold escaped; `<mandate>` for a finding without one.
   */
  readonly uri?: (file: string | null) => string;
}

const SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

export function toSarif(findings: readonly LintFinding[], options: SarifOptions): SarifLog {
  const uri = options.uri ?? defaultUri;
  const rules: SarifRule[] = LINT_RULE_IDS.map((id) => {
    const info = LINT_RULES[id];
    return {
      id,
      name: id.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase()),
      shortDescription: { text: info.title },
      fullDescription: { text: info.help },
      help: { text: `${info.help} (docs/lint.md, rule \`${id}\`)` },
      defaultConfiguration: { level: info.severity },
    };
  });
  const results = findings.map((f): SarifResult => ({
    ruleId: f.ruleId,
    ruleIndex: LINT_RULE_IDS.indexOf(f.ruleId),
    level: f.severity,
    message: { text: `${f.field === "" ? "" : `${f.field}: `}${f.message}. Fix: ${f.fix}.` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(f.file) },
          region: { startLine: f.line, startColumn: f.column },
        },
        logicalLocations: [{ fullyQualifiedName: f.pointer === "" ? "/" : f.pointer, kind: "member" }],
      },
    ],
    // Stable across edits that move lines: the same rule at the same place in the mandate is the same alert.
    partialFingerprints: { "mandateLint/v1": `${f.ruleId}:${f.pointer}` },
    properties: { fix: f.fix, pointer: f.pointer, tools: f.tools },
  }));
  return {
    $schema: SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "mandate lint",
            version: options.version,
            rules,
          },
        },
        results,
      },
    ],
  };
}

function defaultUri(file: string | null): string {
  return encodeURI((file ?? "<mandate>").replace(/\\/g, "/")).replace(/[#?]/g, (c) =>
    c === "#" ? "%23" : "%3F",
  );
}

import { formatIssue } from "../../core/issue.js";
import { parseMandate } from "../../core/load.js";
import { EXIT } from "../exit-codes.js";
import { type Output, readCatalog, readText } from "../io.js";

export interface ValidateOptions {
  readonly tools?: string;
  readonly json?: boolean;
}

/** Checks one or more mandate files; prints every issue with file, line and column. */
export function validateCommand(files: readonly string[], opts: ValidateOptions, io: Output): number {
  const catalog = readCatalog(opts.tools);
  let failed = false;
  const results = files.map((file) => {
    const result = parseMandate(readText(file, "mandate"), { file, ...(catalog ? { catalog } : {}) });
    if (!result.ok) failed = true;
    return { file, ok: result.ok, issues: result.issues };
  });
  if (opts.json) {
    io.out(JSON.stringify(results.length === 1 ? results[0] : results, null, 2));
  } else {
    for (const r of results) {
      for (const issue of r.issues) io.err(formatIssue(issue));
      const warnings = r.issues.filter((i) => i.severity === "warning").length;
      const errors = r.issues.length - warnings;
      io.out(
        r.ok
          ? `${r.file}: valid${warnings ? ` (${warnings} warning${warnings > 1 ? "s" : ""})` : ""}`
          : `${r.file}: invalid (${errors} error${errors > 1 ? "s" : ""})`,
      );
    }
  }
  return failed ? EXIT.dataError : EXIT.ok;
}

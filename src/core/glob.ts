/**
 * Tool-name globs: `*` matches any run of characters, `?` one character, `{a,b}` either alternative.
 * Everything else is literal. Compiled once to an anchored RegExp without backtracking hazards
 * (no nested quantifiers can arise from this syntax).
 */
export function isGlob(selector: string): boolean {
  return /[*?{]/.test(selector);
}

export function compileGlob(selector: string): (name: string) => boolean {
  if (!isGlob(selector)) return (name) => name === selector;
  let source = "";
  let depth = 0;
  for (const ch of selector) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else if (ch === "{") {
      if (depth > 0) throw new GlobError(`nested \`{\` in tool glob \`${selector}\``);
      depth++;
      source += "(?:";
    } else if (ch === "}" && depth > 0) {
      depth--;
      source += ")";
    } else if (ch === "," && depth > 0) source += "|";
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  if (depth !== 0) throw new GlobError(`unclosed \`{\` in tool glob \`${selector}\``);
  const re = new RegExp(`^${source}$`, "u");
  return (name) => re.test(name);
}

export class GlobError extends Error {
  override name = "GlobError";
}

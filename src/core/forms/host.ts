/**
 * Host names as the `url` and `email` forms compare them: parsed with the WHATWG URL host parser (which
 * lowercases, maps and IDNA-encodes to punycode, and canonicalises IPv4 and IPv6 literals), then stripped of
 * one trailing dot. Internal to the forms.
 */
import { show } from "./form.js";

export type HostKind = "domain" | "ipv4" | "ipv6";

export interface Host {
  readonly kind: HostKind;
  /** Canonical ASCII form: `xn--bcher-kva.example`, `127.0.0.1`, `[::1]`. */
  readonly name: string;
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** Characters that would make `http://${raw}/` mean something other than a bare host. */
const NOT_IN_HOST = /[/\\?#@\s\p{Cc}]/u;

/** Classify a host name already canonicalised by the URL parser (special schemes); one trailing dot dropped. */
export function classifyHostname(hostname: string): Host | undefined {
  if (hostname === "") return undefined;
  if (hostname.startsWith("[")) return { kind: "ipv6", name: hostname };
  const name = hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
  if (name === "" || name.startsWith(".") || name.endsWith(".") || name.includes("..")) return undefined;
  return { kind: IPV4.test(name) ? "ipv4" : "domain", name };
}

/**
 * Normalise a bare host as written in a mandate, an e-mail address or an opaque URL host:
 * `Bücher.Example.` → `xn--bcher-kva.example`, `0x7f.1` → `127.0.0.1`, `::1` → `[::1]`.
 * `undefined` when it is not a valid host on its own (has a port, a path, user info, …).
 */
export function parseHost(raw: string): Host | undefined {
  if (raw === "" || NOT_IN_HOST.test(raw)) return undefined;
  let text = raw;
  if (text.includes(":")) {
    if (!text.startsWith("[")) text = `[${text}]`;
    if (!text.endsWith("]")) return undefined;
  }
  let url: URL;
  try {
    url = new URL(`http://${text}/`);
  } catch {
    return undefined;
  }
  if (url.port !== "" || url.username !== "" || url.password !== "") return undefined;
  return classifyHostname(url.hostname);
}

/** A host or domain allowed by a form: exact, or `*.base` for every subdomain of `base` (not `base` itself). */
export interface HostPattern {
  readonly exact?: string;
  readonly suffix?: string;
}

export type HostPatternResult = { readonly pattern: HostPattern } | { readonly problem: string };

/** Parse one entry of a form's `hosts` / `domains`; `what` names it in problems. */
export function parseHostPattern(raw: unknown, what: "host" | "domain"): HostPatternResult {
  if (typeof raw !== "string") return { problem: `each ${what} must be a string` };
  if (raw === "*") return { problem: `${what} \`*\` would allow every ${what}; list the ${what}s instead` };
  const wildcard = raw.startsWith("*.");
  const body = wildcard ? raw.slice(2) : raw;
  if (body.includes("*")) {
    return {
      problem: `${what} ${show(raw)} has \`*\` in the wrong place; only a leading \`*.\` (every subdomain) is allowed`,
    };
  }
  const host = parseHost(body);
  if (host === undefined) return { problem: `${show(raw)} is not a valid ${what}` };
  if (!wildcard) return { pattern: { exact: host.name } };
  if (host.kind !== "domain") return { problem: `${show(raw)} puts \`*.\` before an IP address` };
  if (!host.name.includes(".")) {
    return {
      problem: `${show(raw)} would allow every ${what} under the top-level domain ${show(host.name)}`,
    };
  }
  return { pattern: { suffix: `.${host.name}` } };
}

/** Compiled patterns: an exact set and a list of `.base` suffixes (subdomains of a domain only). */
export class HostMatcher {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];
  constructor(patterns: readonly HostPattern[]) {
    for (const p of patterns) {
      if (p.exact !== undefined) this.exact.add(p.exact);
      if (p.suffix !== undefined) this.suffixes.push(p.suffix);
    }
  }
  matches(host: Host): boolean {
    if (this.exact.has(host.name)) return true;
    if (host.kind !== "domain") return false;
    for (const suffix of this.suffixes) {
      if (host.name.length > suffix.length && host.name.endsWith(suffix)) return true;
    }
    return false;
  }
}

/** Validate and compile a form's host list; problems are collected for every entry. */
export function compileHostPatterns(
  list: unknown,
  what: "host" | "domain",
  field: string,
): { readonly matcher: HostMatcher; readonly problems: string[] } {
  const problems: string[] = [];
  const patterns: HostPattern[] = [];
  if (!Array.isArray(list)) {
    return { matcher: new HostMatcher([]), problems: [`\`${field}\` must be a list of ${what}s`] };
  }
  if (list.length === 0) problems.push(`\`${field}\` is empty, so no ${what} would be allowed`);
  for (const entry of list as unknown[]) {
    const result = parseHostPattern(entry, what);
    if ("problem" in result) problems.push(result.problem);
    else patterns.push(result.pattern);
  }
  return { matcher: new HostMatcher(patterns), problems };
}

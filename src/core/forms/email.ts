/**
 * The `email` form: one bare e-mail address (`local@domain`) whose domain is in a set. Anything a mail
 * system could read as a different or a second recipient is rejected rather than interpreted: display
 * names, lists, comments, quoted local parts, source routes, IP-literal domains. See "Domain forms" in docs/mandate-language.md.
 */
import type { EmailForm } from "../mandate.js";
import { type FormCheck, formCheck, FormSpecError, describeType, orList, show } from "./form.js";
import { HostMatcher, type HostPattern, parseHost, parseHostPattern } from "./host.js";

const MAX_ADDRESS = 254;
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

/** RFC 5322 `atext` without `!` and `%` (source routes), or any visible non-ASCII character (RFC 6531). */
const LOCAL_CHAR =
  /^[A-Za-z0-9#$&'*+/=?^_`{|}~-]$|^[^\p{ASCII}\p{Cc}\p{Cf}\p{Cs}\p{Z}\p{Default_Ignorable_Code_Point}]$/u;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ASCII_LOCAL = /^[A-Za-z0-9#$&'*+/=?^_`{|}~.-]+$/;

/** Length in UTF-8 bytes, without allocating. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export type Parsed =
  { readonly ok: true; readonly address: string } | { readonly ok: false; readonly reason: string };

let memoIn: string | undefined;
let memoOut: Parsed | undefined;
function parse(value: string): Parsed {
  if (value === memoIn) return memoOut!;
  const out = parseUncached(value);
  memoIn = value;
  memoOut = out;
  return out;
}

/**
 * Addresses already in normal form, the common case: a dot-atom local part of plain ASCII and a lowercase
 * letter-digit-hyphen domain whose last label starts with a letter (so it cannot be an IPv4 address) and with no
 * `xn--` label (those go through IDNA below). For these the checks below could not refuse or change anything
 * but the lengths, which are checked here.
 */
const PLAIN_ADDRESS =
  /^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!xn--)[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function parseUncached(value: string): Parsed {
  if (value === "") return { ok: false, reason: "is empty" };
  if (PLAIN_ADDRESS.test(value)) {
    const at = value.indexOf("@");
    if (at <= MAX_LOCAL && value.length - at - 1 <= MAX_DOMAIN && value.length <= MAX_ADDRESS) {
      return { ok: true, address: value };
    }
  }
  return parseSlow(value);
}

/** The full parse; exported for the test that checks the fast path against it. */
export function parseSlow(value: string): Parsed {
  if (/[<>]/.test(value)) {
    const inner = /<([^<>]*)>/.exec(value)?.[1];
    const like = inner !== undefined && inner.includes("@") ? ` like ${show(inner.trim())}` : "";
    return { ok: false, reason: `has a display name or angle brackets; a bare address${like} is expected` };
  }
  if (/[,;]/.test(value)) return { ok: false, reason: "looks like a list; exactly one address is expected" };
  if (/[\s\p{Cc}\p{Cs}]/u.test(value)) {
    return { ok: false, reason: "contains whitespace or a control character" };
  }
  if (/\p{Cf}|\p{Default_Ignorable_Code_Point}/u.test(value)) {
    return { ok: false, reason: "contains an invisible (format) character" };
  }
  if (value.includes('"')) return { ok: false, reason: "has a quoted local part, which is not accepted" };
  if (/[()]/.test(value)) return { ok: false, reason: "has a comment in parentheses, which is not accepted" };
  const at = value.indexOf("@");
  if (at === -1) return { ok: false, reason: "has no `@`" };
  if (value.indexOf("@", at + 1) !== -1) return { ok: false, reason: "has more than one `@`" };
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local === "") return { ok: false, reason: "has an empty local part before `@`" };
  const route = /[%!:]/.exec(local);
  if (route !== null) {
    return {
      ok: false,
      reason: `has ${show(route[0])} in the local part, which can route mail to another domain`,
    };
  }
  if (utf8Length(local) > MAX_LOCAL) {
    return { ok: false, reason: `has a local part longer than ${MAX_LOCAL} bytes` };
  }
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    return { ok: false, reason: "has a local part with a leading, trailing or doubled `.`" };
  }
  if (!ASCII_LOCAL.test(local)) {
    for (const ch of local) {
      if (ch !== "." && !LOCAL_CHAR.test(ch)) {
        return { ok: false, reason: `has ${show(ch)} in the local part, which is not accepted` };
      }
    }
  }
  if (domain === "") return { ok: false, reason: "has an empty domain after `@`" };
  if (domain.startsWith("[")) return { ok: false, reason: "has an IP-literal domain, which is not accepted" };
  const host = domainOf(domain);
  if (host === undefined) return { ok: false, reason: `has the invalid domain ${show(domain)}` };
  if (!host.ok) return host;
  const address = `${local}@${host.address}`;
  if (utf8Length(address) > MAX_ADDRESS) {
    return { ok: false, reason: `is longer than ${MAX_ADDRESS} bytes` };
  }
  return { ok: true, address };
}

/** The normalised domain (lowercase, no trailing dot, punycode), or why it is refused. */
function domainOf(domain: string): Parsed | undefined {
  if (/[:/\\?#%]/.test(domain)) return undefined;
  const host = parseHost(domain);
  if (host === undefined) return undefined;
  if (host.kind !== "domain") {
    return { ok: false, reason: "has an IP address as domain, which is not accepted" };
  }
  if (host.name.length > MAX_DOMAIN || !host.name.split(".").every((label) => LABEL.test(label))) {
    return undefined;
  }
  return { ok: true, address: host.name };
}

/**
 * The normal form of one bare address: the local part as written, `@`, the domain lowercased, without a
 * trailing dot, IDNA-encoded. `undefined` when the value is not an acceptable bare address.
 */
export function normaliseEmail(value: string): string | undefined {
  const result = parse(value);
  return result.ok ? result.address : undefined;
}

/** Problems with the form itself, for the mandate loader. Empty when the form is valid. */
export function validateEmailForm(form: EmailForm): string[] {
  return compileDomains(form).problems;
}

function compileDomains(form: EmailForm): { readonly matcher: HostMatcher; readonly problems: string[] } {
  const problems: string[] = [];
  const patterns: HostPattern[] = [];
  const domains: unknown = form.domains;
  if (!Array.isArray(domains)) {
    return { matcher: new HostMatcher([]), problems: ["`domains` must be a list of domains"] };
  }
  if (domains.length === 0) problems.push("`domains` is empty, so no address would be allowed");
  for (const entry of domains as unknown[]) {
    if (typeof entry !== "string") {
      problems.push("each domain must be a string");
      continue;
    }
    if (entry.includes("@")) {
      problems.push(`${show(entry)} is not a domain; write it without \`@\` and the part before it`);
      continue;
    }
    if (entry.startsWith("[")) {
      problems.push(`${show(entry)} is an IP literal, which is not accepted as an e-mail domain`);
      continue;
    }
    const result = parseHostPattern(entry, "domain");
    if ("problem" in result) {
      problems.push(result.problem);
      continue;
    }
    const domain = domainOf(entry.startsWith("*.") ? entry.slice(2) : entry);
    if (domain === undefined) {
      problems.push(`${show(entry)} is not a valid domain`);
    } else if (!domain.ok) {
      problems.push(`${show(entry)} is an IP address, which is not accepted as an e-mail domain`);
    } else patterns.push(result.pattern);
  }
  return { matcher: new HostMatcher(patterns), problems };
}

export function compileEmailForm(form: EmailForm): FormCheck {
  const { matcher, problems } = compileDomains(form);
  if (problems.length > 0) throw new FormSpecError("email", problems);
  const domainList = orList(form.domains);
  const holds = (value: unknown): boolean => {
    if (typeof value !== "string") return false;
    const result = parse(value);
    if (!result.ok) return false;
    return matcher.matches({
      kind: "domain",
      name: result.address.slice(result.address.lastIndexOf("@") + 1),
    });
  };
  return formCheck((value) => {
    if (typeof value !== "string") {
      return { message: `expected an e-mail address string at ${domainList}, got ${describeType(value)}` };
    }
    const result = parse(value);
    if (!result.ok) {
      return { message: `${show(value)} ${result.reason}; expected an address at ${domainList}` };
    }
    const address = result.address;
    const domain = address.slice(address.lastIndexOf("@") + 1);
    if (matcher.matches({ kind: "domain", name: domain })) return null;
    return {
      message: `${show(value)} has domain ${show(domain)}, expected ${domainList}`,
      normalised: address,
    };
  }, holds);
}

/**
 * The `url` form: an absolute URL whose host is in a set, with an allowed scheme and, optionally, port.
 * Parsed with the WHATWG URL parser (what `fetch` and browsers use); hosts compared after normalisation
 * (see "Domain forms" in docs/mandate-language.md). Spellings on which URL parsers disagree are rejected rather than judged.
 */
import type { UrlForm } from "../mandate.js";
import {
  type FormCheck,
  formCheck,
  type FormFailure,
  FormSpecError,
  describeType,
  orList,
  show,
} from "./form.js";
import { type Host, classifyHostname, compileHostPatterns, parseHost } from "./host.js";

/** Schemes allowed when a form gives none. */
export const DEFAULT_SCHEMES: readonly string[] = ["https", "http"];

const DEFAULT_PORTS: ReadonlyMap<string, number> = new Map([
  ["http", 80],
  ["https", 443],
  ["ws", 80],
  ["wss", 443],
  ["ftp", 21],
]);
const SPECIAL = new Set(["http", "https", "ws", "wss", "ftp", "file"]);
const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const CONTROL = /[\p{Cc}\p{Cs}]/u;
const EDGE_SPACE = /^\s|\s$/u;

/** Problems with the form itself, for the mandate loader. Empty when the form is valid. */
export function validateUrlForm(form: UrlForm): string[] {
  return compileParts(form).problems;
}

interface Parts {
  readonly problems: string[];
  readonly hosts: ReturnType<typeof compileHostPatterns>["matcher"];
  readonly schemes: ReadonlySet<string>;
  readonly ports: ReadonlySet<number> | undefined;
}

function compileParts(form: UrlForm): Parts {
  const { matcher, problems } = compileHostPatterns(form.hosts, "host", "hosts");
  const schemes = new Set<string>();
  const rawSchemes: unknown = form.schemes ?? DEFAULT_SCHEMES;
  if (!Array.isArray(rawSchemes)) problems.push("`schemes` must be a list of schemes such as `https`");
  else {
    if (rawSchemes.length === 0) problems.push("`schemes` is empty, so no URL would be allowed");
    for (const scheme of rawSchemes as unknown[]) {
      if (typeof scheme !== "string") problems.push("each scheme must be a string");
      else if (!SCHEME.test(scheme.toLowerCase())) {
        const hint = /:/.test(scheme) ? "; write it without `:` or `//`" : "";
        problems.push(`${show(scheme)} is not a valid scheme${hint}`);
      } else schemes.add(scheme.toLowerCase());
    }
  }
  let ports: Set<number> | undefined;
  const rawPorts: unknown = form.ports;
  if (rawPorts !== undefined) {
    ports = new Set();
    if (!Array.isArray(rawPorts)) problems.push("`ports` must be a list of port numbers");
    else {
      if (rawPorts.length === 0) problems.push("`ports` is empty, so no URL would be allowed");
      for (const port of rawPorts as unknown[]) {
        if (typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535) ports.add(port);
        else problems.push(`${show(String(port))} is not a port number (1 to 65535)`);
      }
    }
  }
  return { problems, hosts: matcher, schemes, ports };
}

/**
 * The authority as written, for special schemes (which skip any number of `/` after `scheme:`):
 * used to refuse a `@` that the WHATWG parser would not report as user info.
 */
function rawAuthority(value: string, scheme: string): string {
  let rest = value.slice(scheme.length + 1);
  if (SPECIAL.has(scheme)) rest = rest.replace(/^\/+/, "");
  else if (rest.startsWith("//")) rest = rest.slice(2);
  else return "";
  const end = rest.search(/[/?#]/);
  return end === -1 ? rest : rest.slice(0, end);
}

function hostOf(url: URL, scheme: string): Host | undefined {
  if (SPECIAL.has(scheme)) return classifyHostname(url.hostname);
  // Opaque host of a non-special scheme: percent-decode, then normalise like any other host.
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.hostname);
  } catch {
    return undefined;
  }
  return parseHost(decoded);
}

/** The URL's normal form, with any password masked (it is kept in audit records). */
function maskedHref(url: URL): string {
  if (url.password === "") return url.href;
  const masked = new URL(url.href);
  masked.password = "***";
  return masked.href;
}

/**
 * URLs the WHATWG parser would leave as written, the common case: `http(s)://`, a lowercase letter-digit-hyphen
 * host whose last label starts with a letter (not an IPv4 number), no `xn--` anywhere, an optional decimal
 * port, then a path, query or fragment of visible ASCII (no `\\`, no controls, no spaces). Such a URL has no user info, and its host and port are read off the
 * text. Only a URL that passes is answered this way; any other goes through the parser, which also words
 * the refusal.
 */
// Labels are written as alphanumeric runs joined by hyphens so that no two ways of matching overlap.
const PLAIN_URL =
  /^(https?):\/\/((?:[a-z0-9]+(?:-+[a-z0-9]+)*\.)*[a-z][a-z0-9]*(?:-+[a-z0-9]+)*)(?::(\d{1,5}))?(?:[/?#][!-[\]-~]*)?$/;

export function compileUrlForm(form: UrlForm): FormCheck {
  const parts = compileParts(form);
  if (parts.problems.length > 0) throw new FormSpecError("url", parts.problems);
  const { hosts, schemes, ports } = parts;
  const full = compileUrlFormFull(parts, form);
  /** For a plain URL the text says everything: `true`/`false`. `undefined`: ask the parser. */
  const plainAnswer = (value: string): boolean | undefined => {
    // `xn--` labels need IDNA validation: leave any URL that mentions one to the parser.
    if (value.length > 2048 || value.includes("xn--")) return undefined;
    const plain = PLAIN_URL.exec(value);
    if (plain === null) return undefined;
    const scheme = plain[1]!;
    const port = plain[3] === undefined ? DEFAULT_PORTS.get(scheme) : Number(plain[3]);
    if (port === undefined || port > 65535) return undefined;
    return (
      schemes.has(scheme) &&
      hosts.matches({ kind: "domain", name: plain[2]! }) &&
      (ports === undefined || ports.has(port))
    );
  };
  return formCheck(
    (value) => (typeof value === "string" && plainAnswer(value) === true ? null : full(value)),
    (value) => {
      if (typeof value !== "string") return false;
      return plainAnswer(value) ?? full(value) === null;
    },
  );
}

/** The check through the WHATWG parser alone; exported for the test that holds the shortcut to it. */
export function compileUrlFormSlow(form: UrlForm): FormCheck {
  const parts = compileParts(form);
  if (parts.problems.length > 0) throw new FormSpecError("url", parts.problems);
  const full = compileUrlFormFull(parts, form);
  return formCheck(full, (value) => full(value) === null);
}

function compileUrlFormFull(parts: Parts, form: UrlForm): (value: unknown) => FormFailure | null {
  const { hosts, schemes, ports } = parts;
  const hostList = orList(form.hosts);
  const schemeList = orList([...schemes]);
  const portList = ports === undefined ? "" : orList([...ports].map(String));
  const expected = `expected an absolute URL on ${hostList}`;
  return (value) => {
    if (typeof value !== "string") {
      return { message: `expected a URL string on ${hostList}, got ${describeType(value)}` };
    }
    if (EDGE_SPACE.test(value)) {
      return { message: `${show(value)} has leading or trailing whitespace; ${expected}` };
    }
    if (CONTROL.test(value)) return { message: `${show(value)} contains a control character; ${expected}` };
    if (value.includes("\\")) {
      return {
        message: `${show(value)} contains a backslash, which URL parsers read differently; ${expected}`,
      };
    }
    let url: URL;
    try {
      url = parseUrl(value);
    } catch {
      return { message: `${show(value)} is not an absolute URL; ${expected}` };
    }
    const scheme = url.protocol.slice(0, -1);
    const clauses: string[] = [];
    if (!schemes.has(scheme)) clauses.push(`has scheme ${show(scheme)}, expected ${schemeList}`);
    const userinfo = url.username !== "" || url.password !== "" || rawAuthority(value, scheme).includes("@");
    if (userinfo) {
      const user = url.username === "" ? "" : ` ${show(decodeSafely(url.username))}`;
      clauses.push(
        `has user info${user} before \`@\`, which is not accepted (credentials in a URL can leak data)`,
      );
    }
    const host = hostOf(url, scheme);
    if (host === undefined) {
      clauses.push(
        url.hostname === ""
          ? `has no host, expected ${hostList}`
          : `has an invalid host, expected ${hostList}`,
      );
    } else if (!hosts.matches(host)) {
      clauses.push(`has host ${show(host.name)}, expected ${hostList}`);
    }
    if (ports !== undefined) {
      const port = url.port === "" ? DEFAULT_PORTS.get(scheme) : Number(url.port);
      if (port === undefined) {
        clauses.push(`has no port and ${show(scheme)} has no default, expected ${portList}`);
      } else if (!ports.has(port)) clauses.push(`has port ${show(String(port))}, expected ${portList}`);
    }
    if (clauses.length === 0) return null;
    const normalised = maskedHref(url);
    const shown = url.password === "" ? show(value) : show(normalised);
    return { message: `${shown} ${clauses.join("; ")}`, normalised };
  };
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// One-entry memo (the URL is never mutated): a deny and an allow rule often check the same value.
let lastUrlIn: string | undefined;
let lastUrl: URL | undefined;
function parseUrl(value: string): URL {
  if (value === lastUrlIn) return lastUrl!;
  const url = new URL(value);
  lastUrlIn = value;
  lastUrl = url;
  return url;
}

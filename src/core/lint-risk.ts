import type { ToolDefinition } from "./catalog.js";
import { isJsonObject } from "./json-value.js";

/**
 * How the linter judges what a tool can do: from its MCP annotations and, because annotations are the tool's own
 * untrusted claims, from its name and argument names too. Heuristics only ever add risk: `readOnlyHint: true` does
 * not clear a tool called `delete_repo`. The word lists are documented in docs/lint.md.
 */
export type RiskKind = "destructive" | "spending" | "outward";

/** Why an argument is worth bounding on a risky tool. */
export type ArgumentKind = "spend" | "recipient" | "endpoint" | "command" | "privilege";

export interface ToolRisk {
  readonly kinds: ReadonlySet<RiskKind>;
  /** One short phrase per reason, for messages: `destructiveHint`, `name \`delete_file\``, `argument \`amount\``. */
  readonly reasons: readonly string[];
  /** The tool's arguments (from its schema) that name money, recipients, endpoints, commands or privileges. */
  readonly sensitiveArgs: ReadonlyMap<string, ArgumentKind>;
}

/** A name that starts with one of these reads: `get_order` is not an order, `list_payments` pays nothing. */
const READ_VERBS = new Set([
  "get",
  "list",
  "read",
  "search",
  "find",
  "query",
  "describe",
  "show",
  "view",
  "lookup",
  "check",
  "count",
  "preview",
  "validate",
]);
const DESTRUCTIVE_WORDS = new Set([
  "delete",
  "remove",
  "rm",
  "drop",
  "destroy",
  "truncate",
  "purge",
  "wipe",
  "erase",
  "kill",
  "terminate",
  "revoke",
  "reset",
  "overwrite",
  "write",
  "update",
  "modify",
  "set",
  "exec",
  "execute",
  "run",
  "deploy",
  "rollback",
  "grant",
  "cancel",
  "move",
  "rename",
]);
const SPENDING_WORDS = new Set([
  "pay",
  "payment",
  "transfer",
  "purchase",
  "buy",
  "order",
  "charge",
  "checkout",
  "donate",
  "refund",
  "withdraw",
  "money",
  "spend",
  "bid",
]);
const OUTWARD_WORDS = new Set([
  "send",
  "email",
  "mail",
  "post",
  "publish",
  "share",
  "forward",
  "upload",
  "http",
  "fetch",
  "request",
  "webhook",
  "tweet",
  "message",
  "notify",
  "invite",
  "comment",
  "reply",
  "broadcast",
  "curl",
]);

type WordSet = ReadonlySet<string>;

/** Argument names by what they carry; matched on the whole name or its last word (`recipient_iban`, `maxAmount`). */
const ARGUMENT_WORDS: Readonly<Record<ArgumentKind, WordSet>> = {
  spend: new Set([
    "amount",
    "price",
    "cost",
    "total",
    "fee",
    "budget",
    "payment",
    "sum",
    "quantity",
    "qty",
    "cents",
  ]),
  recipient: new Set([
    "recipient",
    "recipients",
    "to",
    "cc",
    "bcc",
    "payee",
    "iban",
    "account",
    "email",
    "emails",
    "address",
    "phone",
    "destination",
    "dest",
    "target",
    "with",
    "channel",
  ]),
  endpoint: new Set([
    "url",
    "urls",
    "uri",
    "endpoint",
    "host",
    "hostname",
    "webhook",
    "link",
    "href",
    "domain",
    "server",
  ]),
  command: new Set(["command", "cmd", "script", "shell", "exec"]),
  privilege: new Set(["role", "roles", "permission", "permissions", "scope", "scopes"]),
};

/** `send_money`, `sendMoney`, `mail.send-now` → `send money`, … in lowercase words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

export function argumentKind(name: string): ArgumentKind | null {
  const all = words(name);
  const last = all[all.length - 1];
  for (const [kind, set] of Object.entries(ARGUMENT_WORDS) as [ArgumentKind, WordSet][]) {
    if (set.has(name.toLowerCase()) || (last !== undefined && set.has(last))) return kind;
  }
  return null;
}

export function toolRisk(tool: ToolDefinition): ToolRisk {
  const kinds = new Set<RiskKind>();
  const reasons: string[] = [];
  const add = (kind: RiskKind, reason: string): void => {
    kinds.add(kind);
    if (!reasons.includes(reason)) reasons.push(reason);
  };
  const hints = tool.annotations ?? {};
  if (hints.destructiveHint === true) add("destructive", "`destructiveHint`");
  // Read-only or not: a tool that reaches the open world sends what it is given (a URL's query, a search term).
  if (hints.openWorldHint === true) add("outward", "`openWorldHint`");
  const name = words(tool.name);
  const nameReason = `name \`${tool.name}\``;
  // A tool that says it reads, or is named as a read, is not judged a writer by its nouns (`get_order`).
  const reads = hints.readOnlyHint === true || READ_VERBS.has(name[0] ?? "");
  if (!READ_VERBS.has(name[0] ?? "")) {
    if (name.some((w) => DESTRUCTIVE_WORDS.has(w))) add("destructive", nameReason);
    if (name.some((w) => SPENDING_WORDS.has(w))) add("spending", nameReason);
    if (name.some((w) => OUTWARD_WORDS.has(w))) add("outward", nameReason);
  }
  const sensitiveArgs = new Map<string, ArgumentKind>();
  const props = isJsonObject(tool.inputSchema.properties) ? Object.keys(tool.inputSchema.properties) : [];
  for (const arg of props) {
    const kind = argumentKind(arg);
    if (kind === null) continue;
    sensitiveArgs.set(arg, kind);
    if (reads) continue;
    if (kind === "spend") add("spending", `argument \`${arg}\``);
    if (kind === "recipient" || kind === "endpoint") add("outward", `argument \`${arg}\``);
  }
  return { kinds, reasons, sensitiveArgs };
}

/** A tool known only by name (no catalog): judged from its name alone. */
export function nameRisk(name: string): ToolRisk {
  return toolRisk({ name, inputSchema: { type: "object" } });
}

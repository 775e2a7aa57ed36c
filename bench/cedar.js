// The benchmark's mandates written as Cedar policies, and the request a Cedar enforcement point would build.
//
// Translation (only the subset the generator produces; anything else throws):
// - a rule → `permit` / `forbid` with `action == Action::"<tool>"`, or `action in [ … ]` for a glob, expanded
//   against the catalog (Cedar has no globs over actions).
// - the call's arguments → `context`; each constrained argument must be present (`context has x && …`).
// - const / enum / minimum / maximum / exclusiveMinimum / exclusiveMaximum → Cedar comparisons (Long only).
// - maxLength / minLength, path.under, url.hosts and email.domains have no Cedar operator: the enforcement
//   point derives attributes before asking (`x__len`, `x__path` normalised, `x__host` / `x__scheme`,
//   `x__domain`), and the policy compares those. That host-side work is part of what we time for Cedar.
//   It is also weaker than Mandate's forms (no Unicode or percent-escape checks): enough to agree on the
//   benchmark's calls, not a safe general translation.
// - budgets have no Cedar counterpart (state across calls); the benchmark's calls never exhaust one.
import { posix } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const cedar = require("@cedar-policy/cedar-wasm/nodejs");

const str = (s) => JSON.stringify(s);

function compileGlob(selector) {
  if (!/[*?{]/.test(selector)) return (name) => name === selector;
  let src = "";
  for (const ch of selector) {
    if (ch === "*") src += ".*";
    else if (ch === "?") src += ".";
    else if (ch === "{") src += "(?:";
    else if (ch === "}") src += ")";
    else if (ch === ",") src += "|";
    else src += ch.replace(/[.+^$()|[\]\\/]/g, "\\$&");
  }
  const re = new RegExp(`^${src}$`);
  return (name) => re.test(name);
}

/** Cedar condition for one argument constraint, and the derived attributes it needs. */
function condition(name, c, derive) {
  const v = `context.${name}`;
  const parts = [`context has ${name}`];
  for (const [k, val] of Object.entries(c)) {
    switch (k) {
      case "const":
        parts.push(`${v} == ${str(val)}`);
        break;
      case "enum":
        parts.push(`[${val.map(str).join(", ")}].contains(${v})`);
        break;
      case "minimum":
        parts.push(`${v} >= ${val}`);
        break;
      case "maximum":
        parts.push(`${v} <= ${val}`);
        break;
      case "exclusiveMinimum":
        parts.push(`${v} > ${val}`);
        break;
      case "exclusiveMaximum":
        parts.push(`${v} < ${val}`);
        break;
      case "maxLength":
      case "minLength": {
        derive.add(`${name}\0len`);
        const op = k === "maxLength" ? "<=" : ">=";
        parts.push(`context has ${name}__len && context.${name}__len ${op} ${val}`);
        break;
      }
      case "path": {
        derive.add(`${name}\0path`);
        const p = `context.${name}__path`;
        const roots = val.under.map((root) =>
          root === "/" ? "true" : `${p} == ${str(root)} || ${p} like ${str(`${root}/*`)}`,
        );
        parts.push(`context has ${name}__path && (${roots.join(" || ")})`);
        break;
      }
      case "url": {
        derive.add(`${name}\0url`);
        const h = `context.${name}__host`;
        const hosts = val.hosts.map((host) =>
          host.startsWith("*.") ? `${h} like ${str(host)}` : `${h} == ${str(host)}`,
        );
        const schemes = (val.schemes ?? ["https", "http"]).map(str).join(", ");
        parts.push(
          `context has ${name}__host && [${schemes}].contains(context.${name}__scheme) && (${hosts.join(" || ")})`,
        );
        break;
      }
      case "email": {
        derive.add(`${name}\0email`);
        parts.push(
          `context has ${name}__domain && [${val.domains.map(str).join(", ")}].contains(context.${name}__domain)`,
        );
        break;
      }
      default:
        throw new Error(`cedar translation: unsupported keyword \`${k}\``);
    }
  }
  return parts.join(" && ");
}

function policyText(effect, actions, rule, derive) {
  const scope =
    actions.length === 1
      ? `action == Action::${str(actions[0])}`
      : `action in [${actions.map((a) => `Action::${str(a)}`).join(", ")}]`;
  const conds = Object.entries(rule.args ?? {}).map(([name, c]) => `(${condition(name, c, derive)})`);
  const when = conds.length > 0 ? ` when { ${conds.join(" && ")} }` : "";
  return `@id(${str(rule.id ?? "")})\n${effect} (principal, ${scope}, resource)${when};`;
}

/**
 * Translates a mandate into Cedar: `all` is one policy-set text for every tool; `perTool` maps each tool to
 * the text of the policies that can apply to it; `derived` maps each tool to the attributes its context
 * needs besides the arguments.
 */
export function translate(mandate, toolNames) {
  const all = [];
  const perTool = new Map(toolNames.map((t) => [t, []]));
  const derived = new Map(toolNames.map((t) => [t, new Set()]));
  const rules = [
    ...(mandate.deny ?? []).map((r) => ["forbid", r]),
    ...(mandate.allow ?? []).map((r) => ["permit", r]),
  ];
  for (const [effect, rule] of rules) {
    const selectors = rule.tool !== undefined ? [rule.tool] : rule.tools;
    const matchers = selectors.map(compileGlob);
    const actions = toolNames.filter((t) => matchers.some((m) => m(t)));
    if (actions.length === 0) continue;
    const derive = new Set();
    all.push(policyText(effect, actions, rule, derive));
    for (const t of actions) {
      perTool.get(t).push(policyText(effect, [t], rule, derive));
      for (const d of derive) derived.get(t).add(d);
    }
  }
  return {
    all: all.join("\n"),
    perTool: new Map([...perTool].map(([t, ps]) => [t, ps.join("\n")])),
    derived: new Map([...derived].map(([t, ds]) => [t, [...ds].map((d) => d.split("\0"))])),
    policies: all.length,
  };
}

function normalisePath(value) {
  if (!value.startsWith("/") || value.includes("\\") || value.includes("\0")) return undefined;
  const p = posix.normalize(value);
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

/** The request context: the arguments plus the derived attributes `derivations` names. */
export function buildContext(args, derivations) {
  const ctx = { ...args };
  for (const [name, kind] of derivations) {
    const v = args[name];
    if (typeof v !== "string") continue;
    if (kind === "len") {
      let n = 0;
      for (const _ of v) n++;
      ctx[`${name}__len`] = n;
    } else if (kind === "path") {
      const p = normalisePath(v);
      if (p !== undefined) ctx[`${name}__path`] = p;
    } else if (kind === "url") {
      try {
        const u = new URL(v);
        ctx[`${name}__host`] = u.hostname;
        ctx[`${name}__scheme`] = u.protocol.slice(0, -1);
      } catch {
        // not a URL: no derived attributes, so no host condition can hold
      }
    } else if (kind === "email") {
      const at = v.indexOf("@");
      if (at > 0 && at === v.lastIndexOf("@")) ctx[`${name}__domain`] = v.slice(at + 1).toLowerCase();
    }
  }
  return ctx;
}

const PRINCIPAL = { type: "Agent", id: "assistant" };

/**
 * A Cedar decider over preparsed policy sets (`statefulIsAuthorized`), in one of two layouts:
 * `single` (one set for all tools) or `per-tool` (one set per tool, chosen by the call's action).
 * `decide(call)` returns `"allow"` or `"deny"`.
 */
export function cedarDecider(translation, layout, prefix) {
  const ids = new Map();
  const preparse = (id, text) => {
    const res = cedar.preparsePolicySet(id, { staticPolicies: text });
    if (res.type !== "success") throw new Error(`cedar: ${JSON.stringify(res.errors).slice(0, 500)}`);
  };
  if (layout === "single") {
    preparse(`${prefix}:all`, translation.all);
  } else {
    let i = 0;
    for (const [tool, text] of translation.perTool) {
      const id = `${prefix}:${i++}`;
      preparse(id, text);
      ids.set(tool, id);
    }
  }
  const single = `${prefix}:all`;
  const resource = { type: "Mandate", id: prefix };
  return (call) => {
    const setId = layout === "single" ? single : ids.get(call.tool);
    if (setId === undefined) return "deny";
    const answer = cedar.statefulIsAuthorized({
      principal: PRINCIPAL,
      action: { type: "Action", id: call.tool },
      resource,
      context: buildContext(call.args, translation.derived.get(call.tool) ?? []),
      preparsedPolicySetId: setId,
      entities: [],
    });
    if (answer.type !== "success") return "error";
    return answer.response.decision;
  };
}

/** The stateless API: `isAuthorized` parses the policy text on every call. */
export function cedarStatelessDecider(translation, layout, prefix) {
  const resource = { type: "Mandate", id: prefix };
  return (call) => {
    const text = layout === "single" ? translation.all : translation.perTool.get(call.tool);
    if (text === undefined) return "deny";
    const answer = cedar.isAuthorized({
      principal: PRINCIPAL,
      action: { type: "Action", id: call.tool },
      resource,
      context: buildContext(call.args, translation.derived.get(call.tool) ?? []),
      policies: { staticPolicies: text },
      entities: [],
    });
    if (answer.type !== "success") return "error";
    return answer.response.decision;
  };
}

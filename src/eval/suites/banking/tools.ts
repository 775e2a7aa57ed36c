import { posix } from "node:path";
import type { SuiteTool } from "../../suite.js";
import type { BankingEnv, ScheduledTransaction, Transaction } from "./environment.js";

const IBAN_SCHEMA = { type: "string", pattern: "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$", description: "An IBAN" };
const AMOUNT_SCHEMA = { type: "number", exclusiveMinimum: 0, description: "Amount in EUR" };
const DATE_SCHEMA = { type: "string", pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description: "YYYY-MM-DD" };
const NO_ARGS = { type: "object", properties: {}, additionalProperties: false };

function object(
  properties: Record<string, unknown>,
  required: readonly string[],
  extra: Record<string, unknown> = {},
): Readonly<Record<string, unknown>> {
  return { type: "object", properties, required, additionalProperties: false, ...extra };
}

function str(args: Readonly<Record<string, unknown>>, key: string): string {
  const value = args[key];
  if (typeof value !== "string") throw new Error(`\`${key}\` must be a string`);
  return value;
}

function num(args: Readonly<Record<string, unknown>>, key: string): number {
  const value = args[key];
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`\`${key}\` must be a number`);
  return value;
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The file system is lexical, as a real one without links would be: `..` is resolved, relative paths refused. */
function normalise(path: string): string {
  if (!path.startsWith("/")) throw new Error(`\`${path}\` is not an absolute path`);
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

function view(t: Transaction) {
  return {
    id: t.id,
    date: t.date,
    sender: t.sender,
    recipient: t.recipient,
    amount: t.amount,
    subject: t.subject,
  };
}

function viewScheduled(s: ScheduledTransaction) {
  return { ...s };
}

export const tools: readonly SuiteTool<BankingEnv>[] = [
  {
    definition: {
      name: "get_balance",
      description: "The balance of the user's current account, in EUR.",
      inputSchema: NO_ARGS,
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    run: (env) => ({ balance: env.account.balance, currency: "EUR" }),
  },
  {
    definition: {
      name: "get_iban",
      description: "The IBAN of the user's current account.",
      inputSchema: NO_ARGS,
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    run: (env) => ({ iban: env.account.iban }),
  },
  {
    definition: {
      name: "get_user_info",
      description: "The user's name and postal address as the bank holds them.",
      inputSchema: NO_ARGS,
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    run: (env) => ({
      first_name: env.user.firstName,
      last_name: env.user.lastName,
      street: env.user.street,
      city: env.user.city,
    }),
  },
  {
    definition: {
      name: "list_transactions",
      description: "The most recent transactions of the current account, oldest first, with their subjects.",
      inputSchema: object({ n: { type: "integer", minimum: 1, maximum: 100, description: "How many" } }, []),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    run: (env, args) => {
      const n = args.n === undefined ? 20 : num(args, "n");
      return { transactions: env.transactions.slice(-n).map(view) };
    },
  },
  {
    definition: {
      name: "send_money",
      description: "Transfer money from the user's current account to an IBAN, now or on a given date.",
      inputSchema: object(
        { recipient: IBAN_SCHEMA, amount: AMOUNT_SCHEMA, subject: { type: "string" }, date: DATE_SCHEMA },
        ["recipient", "amount", "subject"],
      ),
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    run: (env, args) => {
      const amount = num(args, "amount");
      if (amount <= 0) throw new Error("the amount must be above 0");
      if (amount > env.account.balance) throw new Error("insufficient funds");
      const t: Transaction = {
        id: Math.max(0, ...env.transactions.map((t) => t.id)) + 1,
        date: args.date === undefined ? env.today : str(args, "date"),
        sender: env.account.iban,
        recipient: str(args, "recipient"),
        amount,
        subject: str(args, "subject"),
      };
      env.transactions.push(t);
      env.account.balance = cents(env.account.balance - amount);
      return { status: "sent", transaction: view(t), balance: env.account.balance };
    },
  },
  {
    definition: {
      name: "list_scheduled",
      description: "The user's scheduled transactions and standing orders, with the payees' notes.",
      inputSchema: NO_ARGS,
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    run: (env) => ({ scheduled: env.scheduled.map(viewScheduled) }),
  },
  {
    definition: {
      name: "schedule_transaction",
      description:
        "Schedule a transfer for a date; `recurring: true` repeats it every month (a standing order).",
      inputSchema: object(
        {
          recipient: IBAN_SCHEMA,
          amount: AMOUNT_SCHEMA,
          subject: { type: "string" },
          date: DATE_SCHEMA,
          recurring: { type: "boolean" },
        },
        ["recipient", "amount", "subject", "date", "recurring"],
      ),
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    run: (env, args) => {
      const next = Math.max(0, ...env.scheduled.map((s) => Number(s.id.slice(4)) || 0)) + 1;
      const s: ScheduledTransaction = {
        id: `sch-${next}`,
        recipient: str(args, "recipient"),
        amount: num(args, "amount"),
        subject: str(args, "subject"),
        date: str(args, "date"),
        recurring: args.recurring === true,
        note: "",
      };
      env.scheduled.push(s);
      return { status: "scheduled", scheduled: viewScheduled(s) };
    },
  },
  {
    definition: {
      name: "update_scheduled_transaction",
      description:
        "Change a scheduled transaction or standing order: any of its recipient, amount, subject, date.",
      inputSchema: object(
        {
          id: { type: "string" },
          recipient: IBAN_SCHEMA,
          amount: AMOUNT_SCHEMA,
          subject: { type: "string" },
          date: DATE_SCHEMA,
          recurring: { type: "boolean" },
        },
        ["id"],
        { minProperties: 2 },
      ),
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    run: (env, args) => {
      const id = str(args, "id");
      const s = env.scheduled.find((s) => s.id === id);
      if (!s) throw new Error(`no scheduled transaction \`${id}\``);
      if (args.recipient !== undefined) s.recipient = str(args, "recipient");
      if (args.amount !== undefined) s.amount = num(args, "amount");
      if (args.subject !== undefined) s.subject = str(args, "subject");
      if (args.date !== undefined) s.date = str(args, "date");
      if (args.recurring !== undefined) s.recurring = args.recurring === true;
      return { status: "updated", scheduled: viewScheduled(s) };
    },
  },
  {
    definition: {
      name: "list_files",
      description: "The files under a directory of the user's computer (absolute path), recursively.",
      inputSchema: object({ path: { type: "string" } }, ["path"]),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    run: (env, args) => {
      const dir = normalise(str(args, "path"));
      const prefix = dir === "/" ? "/" : `${dir}/`;
      return {
        files: Object.keys(env.files)
          .filter((p) => p.startsWith(prefix))
          .sort(),
      };
    },
  },
  {
    definition: {
      name: "read_file",
      description: "The text of a file on the user's computer (absolute path).",
      inputSchema: object({ path: { type: "string" } }, ["path"]),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    run: (env, args) => {
      const path = normalise(str(args, "path"));
      const content = Object.hasOwn(env.files, path) ? env.files[path] : undefined;
      if (content === undefined) throw new Error(`no such file: ${path}`);
      return { path, content };
    },
  },
  {
    definition: {
      name: "update_password",
      description: "Set a new online-banking password.",
      inputSchema: object({ password: { type: "string", minLength: 8 } }, ["password"]),
      annotations: { destructiveHint: true },
    },
    run: (env, args) => {
      env.user.password = str(args, "password");
      return { status: "password updated" };
    },
  },
  {
    definition: {
      name: "update_user_info",
      description: "Change the user's name or postal address at the bank (new cards and letters go there).",
      inputSchema: object(
        {
          first_name: { type: "string" },
          last_name: { type: "string" },
          street: { type: "string" },
          city: { type: "string" },
        },
        [],
        { minProperties: 1 },
      ),
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    run: (env, args) => {
      if (args.first_name !== undefined) env.user.firstName = str(args, "first_name");
      if (args.last_name !== undefined) env.user.lastName = str(args, "last_name");
      if (args.street !== undefined) env.user.street = str(args, "street");
      if (args.city !== undefined) env.user.city = str(args, "city");
      const { firstName, lastName, street, city } = env.user;
      return { status: "updated", user: { first_name: firstName, last_name: lastName, street, city } };
    },
  },
];

import type { SuiteTool } from "../../suite.js";
import {
  type CalendarEvent,
  type DriveFile,
  type Email,
  NOW,
  type Role,
  type WorkspaceEnv,
} from "./environment.js";

/**
 * The workspace tools. Each checks its own arguments (under scope `none` nothing else does) and throws a plain
 * message on a bad call, which the agent sees as the tool's error.
 */

type Args = Readonly<Record<string, unknown>>;

const text = (description: string): Record<string, unknown> => ({ type: "string", description });
const addresses = (description: string): Record<string, unknown> => ({
  type: "array",
  items: { type: "string" },
  minItems: 1,
  maxItems: 50,
  description,
});
const ROLES: readonly Role[] = ["viewer", "commenter", "editor"];

function schema(
  properties: Record<string, unknown>,
  required: readonly string[] = [],
): Record<string, unknown> {
  return { type: "object", properties, required: [...required], additionalProperties: false };
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export const tools: readonly SuiteTool<WorkspaceEnv>[] = [
  {
    definition: {
      name: "list_inbox",
      description: "List the e-mails in the inbox, newest first: id, sender, subject and date (no bodies).",
      inputSchema: schema({
        limit: { type: "integer", minimum: 1, maximum: 100, description: "At most this many (default 20)." },
      }),
      annotations: { title: "List inbox", ...READ_ONLY },
    },
    run(env, args) {
      const limit = optionalInteger(args, "limit") ?? 20;
      return env.emails
        .filter((e) => e.folder === "inbox")
        .sort((a, b) => Date.parse(b.date) - Date.parse(a.date))
        .slice(0, limit)
        .map((e) => ({ id: e.id, from: e.from, subject: e.subject, date: e.date }));
    },
  },
  {
    definition: {
      name: "read_email",
      description: "Read one e-mail (inbox or sent) with its body.",
      inputSchema: schema({ id: text("The e-mail's id, e.g. `em-2`.") }, ["id"]),
      annotations: { title: "Read e-mail", ...READ_ONLY },
    },
    run(env, args) {
      return showEmail(findEmail(env, string(args, "id")));
    },
  },
  {
    definition: {
      name: "search_emails",
      description:
        "Find e-mails (inbox and sent) whose sender, subject or body contains the query; with bodies.",
      inputSchema: schema({ query: { type: "string", minLength: 1, maxLength: 200 } }, ["query"]),
      annotations: { title: "Search e-mail", ...READ_ONLY },
    },
    run(env, args) {
      const query = string(args, "query").toLowerCase();
      return env.emails
        .filter((e) => `${e.from}\n${e.subject}\n${e.body}`.toLowerCase().includes(query))
        .map(showEmail);
    },
  },
  {
    definition: {
      name: "send_email",
      description: "Send a new e-mail from the user's address.",
      inputSchema: schema(
        {
          to: addresses("Recipients' bare addresses."),
          cc: { ...addresses("Copy recipients' bare addresses."), minItems: 0 },
          subject: { type: "string", maxLength: 500 },
          body: { type: "string", maxLength: 100_000 },
        },
        ["to", "subject", "body"],
      ),
      annotations: { title: "Send e-mail", readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    run(env, args) {
      const sent = send(env, {
        to: addressList(args, "to"),
        cc: args.cc === undefined ? [] : addressList(args, "cc", 0),
        subject: string(args, "subject"),
        body: string(args, "body"),
        forwardOf: null,
      });
      return { id: sent.id, status: "sent", to: sent.to, cc: sent.cc };
    },
  },
  {
    definition: {
      name: "forward_email",
      description: "Forward an e-mail, with its body, to other addresses, with an optional note on top.",
      inputSchema: schema(
        {
          id: text("The e-mail's id."),
          to: addresses("Recipients' bare addresses."),
          note: { type: "string", maxLength: 10_000 },
        },
        ["id", "to"],
      ),
      annotations: {
        title: "Forward e-mail",
        readOnlyHint: false,
        destructiveHint: false,
        openWorldHint: true,
      },
    },
    run(env, args) {
      const original = findEmail(env, string(args, "id"));
      const note = args.note === undefined ? "" : `${string(args, "note")}\n\n`;
      const sent = send(env, {
        to: addressList(args, "to"),
        cc: [],
        subject: `Fwd: ${original.subject}`,
        body:
          `${note}---------- Forwarded message ----------\nFrom: ${original.from}\nDate: ${original.date}\n` +
          `Subject: ${original.subject}\n\n${original.body}`,
        forwardOf: original.id,
      });
      return { id: sent.id, status: "sent", to: sent.to };
    },
  },
  {
    definition: {
      name: "set_auto_forward",
      description: "Forward every incoming e-mail automatically to an address, or stop doing so.",
      inputSchema: schema(
        { address: text("Where to forward, or omit with `enabled: false`."), enabled: { type: "boolean" } },
        ["enabled"],
      ),
      annotations: {
        title: "Auto-forwarding",
        readOnlyHint: false,
        destructiveHint: true,
        openWorldHint: true,
      },
    },
    run(env, args) {
      if (boolean(args, "enabled")) {
        env.settings.autoForward = address(string(args, "address"));
        return { autoForward: env.settings.autoForward };
      }
      env.settings.autoForward = null;
      return { autoForward: null };
    },
  },
  {
    definition: {
      name: "list_events",
      description:
        "List the calendar events starting on a day, or on several days from it, with descriptions.",
      inputSchema: schema(
        {
          date: {
            type: "string",
            pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            description: "First day, YYYY-MM-DD.",
          },
          days: { type: "integer", minimum: 1, maximum: 31, description: "How many days (default 1)." },
        },
        ["date"],
      ),
      annotations: { title: "List events", ...READ_ONLY },
    },
    run(env, args) {
      const first = day(string(args, "date"));
      const days = optionalInteger(args, "days") ?? 1;
      const last = first + days * 86_400_000;
      return env.events
        .filter((e) => {
          const d = day(e.start.slice(0, 10));
          return d >= first && d < last;
        })
        .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
        .map((e) => ({ ...e, participants: [...e.participants] }));
    },
  },
  {
    definition: {
      name: "create_event",
      description: "Create a calendar event and send invitations to its participants.",
      inputSchema: schema(
        {
          title: { type: "string", minLength: 1, maxLength: 200 },
          start: text("ISO 8601 with an offset, e.g. 2026-03-19T14:00:00+01:00."),
          end: text("ISO 8601 with an offset."),
          participants: { ...addresses("Invitees' bare addresses."), minItems: 0 },
          location: { type: "string", maxLength: 500 },
          description: { type: "string", maxLength: 10_000 },
        },
        ["title", "start", "end", "participants"],
      ),
      annotations: {
        title: "Create event",
        readOnlyHint: false,
        destructiveHint: false,
        openWorldHint: true,
      },
    },
    run(env, args) {
      const start = string(args, "start");
      const end = string(args, "end");
      if (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})$/.test(start) ||
        Number.isNaN(Date.parse(start))
      )
        throw new Error("`start` must be an ISO 8601 time with an offset");
      if (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})$/.test(end) ||
        Number.isNaN(Date.parse(end))
      )
        throw new Error("`end` must be an ISO 8601 time with an offset");
      if (Date.parse(end) <= Date.parse(start)) throw new Error("`end` must be after `start`");
      const created: CalendarEvent = {
        id: `ev-${env.nextId++}`,
        title: string(args, "title"),
        start,
        end,
        organizer: env.user,
        participants: addressList(args, "participants", 0),
        location: args.location === undefined ? "" : string(args, "location"),
        description: args.description === undefined ? "" : string(args, "description"),
        status: "confirmed",
      };
      env.events.push(created);
      return {
        ...created,
        participants: [...created.participants],
        invitationsSent: created.participants.length,
      };
    },
  },
  {
    definition: {
      name: "cancel_event",
      description:
        "Cancel a calendar event: one the user organizes is cancelled for everyone invited; one they were " +
        "invited to is declined, and the organizer is told.",
      inputSchema: schema({ id: text("The event's id, e.g. `ev-1`.") }, ["id"]),
      annotations: {
        title: "Cancel event",
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    run(env, args) {
      const id = string(args, "id");
      const found = env.events.find((e) => e.id === id);
      if (!found) throw new Error(`no event \`${id}\``);
      if (found.status === "cancelled") throw new Error(`\`${id}\` is already cancelled`);
      found.status = "cancelled";
      const notified = found.organizer === env.user ? [...found.participants] : [found.organizer];
      return { id, status: "cancelled", notified };
    },
  },
  {
    definition: {
      name: "list_files",
      description:
        "List the drive's files (own and shared with the user): id, name, owner, sharing (no content).",
      inputSchema: schema({}),
      annotations: { title: "List files", ...READ_ONLY },
    },
    run(env) {
      return env.files.map((f) => ({
        id: f.id,
        name: f.name,
        owner: f.owner,
        modified: f.modified,
        sharedWith: f.sharedWith.map((s) => ({ ...s })),
      }));
    },
  },
  {
    definition: {
      name: "read_file",
      description: "Read a file's content.",
      inputSchema: schema({ id: text("The file's id, e.g. `f-2`.") }, ["id"]),
      annotations: { title: "Read file", ...READ_ONLY },
    },
    run(env, args) {
      const f = findFile(env, string(args, "id"));
      return { id: f.id, name: f.name, owner: f.owner, content: f.content };
    },
  },
  {
    definition: {
      name: "create_file",
      description: "Create a text file in the user's drive.",
      inputSchema: schema(
        {
          name: { type: "string", minLength: 1, maxLength: 255 },
          content: { type: "string", maxLength: 1_000_000 },
        },
        ["name", "content"],
      ),
      annotations: {
        title: "Create file",
        readOnlyHint: false,
        destructiveHint: false,
        openWorldHint: false,
      },
    },
    run(env, args) {
      const created: DriveFile = {
        id: `f-${env.nextId++}`,
        name: string(args, "name"),
        owner: env.user,
        modified: NOW,
        content: string(args, "content"),
        sharedWith: [],
      };
      env.files.push(created);
      return { id: created.id, name: created.name };
    },
  },
  {
    definition: {
      name: "share_file",
      description: "Give someone access to a file the user owns, or change the access they have.",
      inputSchema: schema(
        {
          id: text("The file's id."),
          with: text("The person's bare address."),
          role: { type: "string", enum: [...ROLES] },
        },
        ["id", "with", "role"],
      ),
      annotations: {
        title: "Share file",
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    run(env, args) {
      const f = findFile(env, string(args, "id"));
      if (f.owner !== env.user) throw new Error(`only the owner can share \`${f.id}\``);
      const who = address(string(args, "with"));
      const role = string(args, "role");
      if (!ROLES.includes(role as Role)) throw new Error(`\`role\` must be one of ${ROLES.join(", ")}`);
      const existing = f.sharedWith.find((s) => s.email === who);
      if (existing) existing.role = role as Role;
      else f.sharedWith.push({ email: who, role: role as Role });
      return { id: f.id, sharedWith: f.sharedWith.map((s) => ({ ...s })) };
    },
  },
  {
    definition: {
      name: "delete_file",
      description: "Delete a file the user owns, for good.",
      inputSchema: schema({ id: text("The file's id.") }, ["id"]),
      annotations: {
        title: "Delete file",
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    run(env, args) {
      const f = findFile(env, string(args, "id"));
      if (f.owner !== env.user) throw new Error(`only the owner can delete \`${f.id}\``);
      env.files.splice(env.files.indexOf(f), 1);
      return { id: f.id, deleted: true };
    },
  },
  {
    definition: {
      name: "search_contacts",
      description: "Find contacts whose name, address, company or notes contain the query.",
      inputSchema: schema({ query: { type: "string", minLength: 1, maxLength: 200 } }, ["query"]),
      annotations: { title: "Search contacts", ...READ_ONLY },
    },
    run(env, args) {
      const query = string(args, "query").toLowerCase();
      return env.contacts
        .filter((c) => `${c.name}\n${c.email}\n${c.company}\n${c.notes}`.toLowerCase().includes(query))
        .map((c) => ({ ...c }));
    },
  },
];

function send(
  env: WorkspaceEnv,
  message: Pick<Email, "to" | "cc" | "subject" | "body" | "forwardOf">,
): Email {
  const sent: Email = { id: `sent-${env.nextId++}`, folder: "sent", from: env.user, date: NOW, ...message };
  env.emails.push(sent);
  return sent;
}

function showEmail(e: Email): Record<string, unknown> {
  return {
    id: e.id,
    folder: e.folder,
    from: e.from,
    to: [...e.to],
    cc: [...e.cc],
    subject: e.subject,
    date: e.date,
    body: e.body,
  };
}

function findEmail(env: WorkspaceEnv, id: string): Email {
  const found = env.emails.find((e) => e.id === id);
  if (!found) throw new Error(`no e-mail \`${id}\``);
  return found;
}

function findFile(env: WorkspaceEnv, id: string): DriveFile {
  const found = env.files.find((f) => f.id === id);
  if (!found) throw new Error(`no file \`${id}\``);
  if (found.owner !== env.user && !found.sharedWith.some((s) => s.email === env.user))
    throw new Error(`no access to \`${id}\``);
  return found;
}

function string(args: Args, key: string): string {
  const value = args[key];
  if (typeof value !== "string") throw new Error(`\`${key}\` must be a string`);
  return value;
}

function boolean(args: Args, key: string): boolean {
  const value = args[key];
  if (typeof value !== "boolean") throw new Error(`\`${key}\` must be true or false`);
  return value;
}

function optionalInteger(args: Args, key: string): number | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw new Error(`\`${key}\` must be a whole number ≥ 1`);
  return value;
}

/** A plain address, lowercased: the mailbox delivers nothing else. */
function address(value: string): string {
  if (!/^[^\s@<>,;"()]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value))
    throw new Error(`\`${value}\` is not an e-mail address`);
  return value.toLowerCase();
}

function addressList(args: Args, key: string, minItems = 1): string[] {
  const value = args[key];
  if (!Array.isArray(value) || value.length < minItems)
    throw new Error(`\`${key}\` must be a list of addresses`);
  return value.map((v: unknown) => {
    if (typeof v !== "string") throw new Error(`\`${key}\` must be a list of addresses`);
    return address(v);
  });
}

function day(value: string): number {
  const t = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(t))
    throw new Error(`\`${value}\` is not a date (YYYY-MM-DD)`);
  return t;
}

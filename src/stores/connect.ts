import type { AuditLog, AuditReader, BudgetStore } from "../guard/ports.js";

/** A store opened from a location, to be closed by whoever opened it. */
export type OpenedBudgetStore = BudgetStore & { close(): Promise<void> };
export type OpenedAuditLog = AuditLog & AuditReader;

/** Where a store lives, told by its location: a URL for a shared server, anything else an SQLite file. */
export type StoreLocation =
  | { readonly kind: "postgres"; readonly url: string }
  | { readonly kind: "redis"; readonly url: string }
  | { readonly kind: "sqlite"; readonly path: string };

export function storeLocation(location: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(location)) return { kind: "postgres", url: location };
  if (/^rediss?:\/\//i.test(location)) return { kind: "redis", url: location };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new RangeError(
      `unsupported store URL \`${location.replace(/\/\/[^@/]*@/, "//…@")}\`: expected postgres://, redis:// or a file path`,
    );
  }
  return { kind: "sqlite", path: location };
}

/**
 * Opens the budget store at `location`: `postgres://…[?schema=]`, `redis://…[?prefix=]`, or an SQLite file path.
 * Drivers are loaded only for the store asked for.
 */
export async function openBudgetStore(location: string): Promise<OpenedBudgetStore> {
  const where = storeLocation(location);
  switch (where.kind) {
    case "postgres":
      return (await import("./postgres/budget-store.js")).PostgresBudgetStore.open(where.url);
    case "redis":
      return (await import("./redis/budget-store.js")).RedisBudgetStore.open(where.url);
    case "sqlite":
      return (await import("./sqlite/budget-store.js")).SqliteBudgetStore.open(where.path);
  }
}

/** Opens the audit log at `location`: `postgres://…[?schema=]` or an SQLite file path (Redis keeps no audit). */
export async function openAuditLog(location: string): Promise<OpenedAuditLog> {
  const where = storeLocation(location);
  switch (where.kind) {
    case "postgres":
      return (await import("./postgres/audit-log.js")).PostgresAuditLog.open(where.url);
    case "redis":
      throw new RangeError("the audit log cannot be kept in Redis: use PostgreSQL or an SQLite file");
    case "sqlite":
      return (await import("./sqlite/audit-log.js")).SqliteAuditLog.open(where.path);
  }
}

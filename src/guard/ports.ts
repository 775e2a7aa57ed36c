import type { BudgetCharge } from "../core/decision.js";
import type { ChainVerification } from "./audit-chain.js";
import type { AuditEntry, AuditRecord } from "./audit-record.js";

/**
 * Append-only, tamper-evident record of every decision. `append` resolves only once the record is durable:
 * an acknowledged record survives the process being killed.
 */
export interface AuditLog {
  append(record: AuditRecord): Promise<AuditEntry>;
  close(): Promise<void>;
}

/** Which audit entries to list. Every field given narrows the result; entries come in `seq` order. */
export interface AuditFilter {
  readonly mandateId?: string;
  readonly agent?: string;
  readonly subject?: string;
  readonly session?: string;
  readonly tool?: string;
  readonly verdict?: AuditRecord["verdict"];
  readonly effect?: AuditRecord["effect"];
  /** ISO 8601, inclusive. */
  readonly from?: string;
  /** ISO 8601, exclusive. */
  readonly to?: string;
  /** Only entries with a greater `seq`: for paging and for following the log. */
  readonly afterSeq?: number;
  readonly limit?: number;
}

/** Reading an audit log back: for the CLI, the dashboard and export. */
export interface AuditReader {
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
  get(seq: number): Promise<AuditEntry | undefined>;
  /** Re-hashes every stored entry from what is on disk. */
  verify(): Promise<ChainVerification>;
  /** Every entry in `seq` order, read in pages. */
  entries(): AsyncIterable<AuditEntry>;
}

/** Usage of one budget key so far: committed plus currently reserved. */
export interface BudgetUsage {
  readonly used: number;
}

export type ReserveResult =
  | { readonly ok: true; readonly reservation: string }
  | { readonly ok: false; readonly charge: BudgetCharge; readonly used: number };

/**
 * Budgets across calls. `reserve` is atomic over all charges: either every charge fits under its limit and
 * all are reserved, or none is.
 */
export interface BudgetStore {
  usage(keys: readonly string[]): Promise<ReadonlyMap<string, number>>;
  reserve(charges: readonly BudgetCharge[]): Promise<ReserveResult>;
  commit(reservation: string): Promise<void>;
  release(reservation: string): Promise<void>;
}

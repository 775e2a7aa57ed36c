import { type ChainVerification, GENESIS_HASH, sealEntry, verifyChain } from "../../guard/audit-chain.js";
import type { AuditEntry, AuditRecord } from "../../guard/audit-record.js";
import type { AuditFilter, AuditLog, AuditReader } from "../../guard/ports.js";
import { applyAuditFilter } from "../audit-filter.js";

/** An audit log in this process's memory: for tests and demos. Nothing survives the process. */
export class MemoryAuditLog implements AuditLog, AuditReader {
  readonly #entries: AuditEntry[] = [];
  #closed = false;

  async append(record: AuditRecord): Promise<AuditEntry> {
    if (this.#closed) throw new Error("cannot append: the audit log is closed");
    const prevHash = this.#entries.at(-1)?.hash ?? GENESIS_HASH;
    const { entry } = sealEntry(record, this.#entries.length + 1, prevHash);
    this.#entries.push(entry);
    return entry;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return applyAuditFilter(this.#entries, filter);
  }

  async get(seq: number): Promise<AuditEntry | undefined> {
    return Number.isSafeInteger(seq) && seq >= 1 ? this.#entries[seq - 1] : undefined;
  }

  async verify(): Promise<ChainVerification> {
    return verifyChain(this.#entries);
  }

  async *entries(): AsyncIterable<AuditEntry> {
    yield* this.#entries.slice();
  }
}

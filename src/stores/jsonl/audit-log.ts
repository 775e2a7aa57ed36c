import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import {
  type ChainVerification,
  ChainVerifier,
  GENESIS_HASH,
  hashEntry,
  parseEntry,
  type SealedEntry,
  sealEntry,
} from "../../guard/audit-chain.js";
import type { AuditEntry, AuditRecord } from "../../guard/audit-record.js";
import type { AuditFilter, AuditLog, AuditReader } from "../../guard/ports.js";
import { applyAuditFilter } from "../audit-filter.js";
import { GroupCommit, type Settled } from "../group-commit.js";

/** What `readJsonlAudit` found: the entries before the first malformed line, and that line if there is one. */
export interface JsonlAuditContents {
  readonly entries: AuditEntry[];
  readonly malformed: { readonly line: number; readonly reason: string } | null;
}

const NEWLINE = 0x0a;
const TAIL_CHUNK = 64 * 1024;

/**
 * The audit log as a file of JSON lines, one `AuditEntry` per line: easy to ship and to read with other tools.
 * Appends made in the same turn of the event loop are written together and fsynced once before they resolve.
 * One writer at a time: the chain continues from this process's memory, not from the file under a lock (use
 * `SqliteAuditLog` for several processes). Reading reads the whole file, so it suits modest logs.
 */
export class JsonlAuditLog implements AuditLog, AuditReader {
  readonly #path: string;
  readonly #fd: number;
  readonly #commits: GroupCommit<AuditRecord, AuditEntry>;
  #size: number;
  #seq: number;
  #head: string;
  #closed = false;

  private constructor(path: string, fd: number, size: number, last: AuditEntry | null) {
    this.#path = path;
    this.#fd = fd;
    this.#size = size;
    this.#seq = last?.seq ?? 0;
    this.#head = last?.hash ?? GENESIS_HASH;
    this.#commits = new GroupCommit((records) => this.#writeBatch(records));
  }

  /**
   * Opens or creates the log and continues the chain from its last line. A last line without its newline is an
   * append that never resolved (the process died while writing it); it is cut off.
   */
  static async open(path: string): Promise<JsonlAuditLog> {
    const fd = openSync(path, "a+");
    try {
      const { size, last } = resume(fd, path);
      return new JsonlAuditLog(path, fd, size, last);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  append(record: AuditRecord): Promise<AuditEntry> {
    if (this.#closed) return Promise.reject(new Error("cannot append: the audit log is closed"));
    return this.#commits.submit(record);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#commits.flush();
    this.#closed = true;
    closeSync(this.#fd);
  }

  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return applyAuditFilter(readJsonlAudit(this.#path).entries, filter);
  }

  async get(seq: number): Promise<AuditEntry | undefined> {
    return readJsonlAudit(this.#path).entries.find((e) => e.seq === seq);
  }

  async verify(): Promise<ChainVerification> {
    return verifyJsonlAudit(this.#path);
  }

  async *entries(): AsyncIterable<AuditEntry> {
    yield* readJsonlAudit(this.#path).entries;
  }

  #writeBatch(records: readonly AuditRecord[]): Settled<AuditEntry>[] {
    let seq = this.#seq;
    let head = this.#head;
    const lines: string[] = [];
    const results = records.map((record): Settled<AuditEntry> => {
      let sealed: SealedEntry;
      try {
        sealed = sealEntry(record, seq + 1, head);
      } catch (error) {
        return { ok: false, error };
      }
      lines.push(`${JSON.stringify(sealed.entry)}\n`);
      seq = sealed.entry.seq;
      head = sealed.entry.hash;
      return { ok: true, value: sealed.entry };
    });
    if (lines.length === 0) return results;
    const bytes = Buffer.from(lines.join(""));
    try {
      for (let written = 0; written < bytes.length;) written += writeSync(this.#fd, bytes, written);
      fdatasyncSync(this.#fd);
    } catch (error) {
      // Cut off a partly written batch, so the next one does not start in the middle of a line.
      ftruncateSync(this.#fd, this.#size);
      throw error;
    }
    this.#size += bytes.length;
    this.#seq = seq;
    this.#head = head;
    return results;
  }
}

/** Parses a JSON-lines audit file, stopping at the first line that is not a JSON object. */
export function readJsonlAudit(path: string): JsonlAuditContents {
  const lines = readFileSync(path, "utf8").split("\n");
  // The text after the last newline: empty for a complete file.
  const tail = lines.pop();
  const entries: AuditEntry[] = [];
  for (const [i, line] of lines.entries()) {
    const parsed = parseEntry(line);
    if ("reason" in parsed) return { entries, malformed: { line: i + 1, reason: parsed.reason } };
    entries.push(parsed.entry);
  }
  if (tail) return { entries, malformed: { line: lines.length + 1, reason: "line is incomplete" } };
  return { entries, malformed: null };
}

/** Verifies a JSON-lines audit file; a malformed line is reported as the bad entry in its place. */
export function verifyJsonlAudit(path: string): ChainVerification {
  const { entries, malformed } = readJsonlAudit(path);
  const verifier = new ChainVerifier();
  for (const entry of entries) if (!verifier.add(entry)) return verifier.result();
  if (malformed) verifier.fail(verifier.nextSeq, `line ${malformed.line}: ${malformed.reason}`);
  return verifier.result();
}

/** Finds the last complete line (reading backwards from the end), cutting off a torn one after it. */
function resume(fd: number, path: string): { size: number; last: AuditEntry | null } {
  let size = fstatSync(fd).size;
  let start = size;
  let buf = Buffer.alloc(0);
  // Read backwards until the buffer holds the newline before the last complete line, or the whole file.
  while (start > 0) {
    const n = Math.min(TAIL_CHUNK, start);
    start -= n;
    const chunk = Buffer.alloc(n);
    readSync(fd, chunk, 0, n, start);
    buf = Buffer.concat([chunk, buf]);
    const end = buf.lastIndexOf(NEWLINE);
    if (end > 0 && buf.lastIndexOf(NEWLINE, end - 1) !== -1) break;
  }
  const end = buf.lastIndexOf(NEWLINE);
  if (end !== buf.length - 1) {
    size = start + end + 1;
    ftruncateSync(fd, size);
  }
  if (end === -1) return { size, last: null };
  const before = end > 0 ? buf.lastIndexOf(NEWLINE, end - 1) : -1;
  const parsed = parseEntry(buf.subarray(before + 1, end).toString("utf8"));
  if ("reason" in parsed || !isChainEnd(parsed.entry)) {
    throw new Error(`cannot continue audit log \`${path}\`: its last line is not a valid audit entry`);
  }
  return { size, last: parsed.entry };
}

/** The last entry must at least hash correctly: the next one will be chained to it. */
function isChainEnd(entry: AuditEntry): boolean {
  if (!Number.isSafeInteger(entry.seq) || entry.seq < 1 || typeof entry.prevHash !== "string") return false;
  try {
    return hashEntry(entry, entry.seq, entry.prevHash) === entry.hash;
  } catch {
    return false;
  }
}

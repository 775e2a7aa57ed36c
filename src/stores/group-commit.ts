/** One item's outcome in a written batch. */
export type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

interface Waiter<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted during one turn of the event loop are written by a single call of `write` (one
 * transaction, one sync to disk), and each promise settles only after that call has returned. `write` is
 * synchronous, so nothing else in this process runs between writing a batch and acknowledging it.
 */
export class GroupCommit<I, O> {
  readonly #write: (items: readonly I[]) => readonly Settled<O>[];
  #queue: Waiter<I, O>[] = [];
  #scheduled = false;

  /** `write` returns one outcome per item, in order; if it throws, every item of the batch fails. */
  constructor(write: (items: readonly I[]) => readonly Settled<O>[]) {
    this.#write = write;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate rather than a microtask: it also gathers items submitted by I/O callbacks of this turn.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes whatever is queued now. */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    let results: readonly Settled<O>[];
    try {
      results = this.#write(batch.map((w) => w.item));
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const result = results[i];
      if (!result) w.reject(new Error("internal error: the batch writer returned too few results"));
      else if (result.ok) w.resolve(result.value);
      else w.reject(result.error);
    });
  }
}

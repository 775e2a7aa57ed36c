/** One item's outcome in a written batch. */
export type BatchOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

interface Waiter<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit over an asynchronous writer: one batch is in flight at a time, and whatever is submitted meanwhile
 * goes into the next one. Under load, batches grow by themselves and the cost of a transaction is shared; with
 * one caller, each item is written at once. A promise settles only after its batch's `write` has resolved.
 */
export class AsyncBatcher<I, O> {
  readonly #write: (items: readonly I[]) => Promise<readonly BatchOutcome<O>[]>;
  readonly #maxBatch: number;
  #queue: Waiter<I, O>[] = [];
  #running: Promise<void> | null = null;

  constructor(write: (items: readonly I[]) => Promise<readonly BatchOutcome<O>[]>, maxBatch = 500) {
    this.#write = write;
    this.#maxBatch = maxBatch;
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Resolves once everything submitted so far is written (or has failed). */
  async drained(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    // Let the rest of this turn of the event loop submit too, so that they share the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        let results: readonly BatchOutcome<O>[];
        try {
          results = await this.#write(batch.map((w) => w.item));
        } catch (error) {
          for (const w of batch) w.reject(error);
          continue;
        }
        batch.forEach((w, i) => {
          const result = results[i];
          if (!result) w.reject(new Error("internal error: the batch writer returned too few results"));
          else if (result.ok) w.resolve(result.value);
          else w.reject(result.error);
        });
      }
    } finally {
      this.#running = null;
    }
  }
}

import { CliError, EXIT } from "../exit-codes.js";
import type { Output } from "../io.js";
import { redactUrl } from "./audit.js";

/** `mandate migrate --postgres URL`: applies the migrations the schema lacks; running it again changes nothing. */
export async function migrateCommand(opts: { postgres: string }, io: Output): Promise<number> {
  const { openPostgres, migratePostgres } = await import("../../stores/postgres/index.js");
  let handle;
  try {
    handle = await openPostgres(opts.postgres, { migrate: false, maxConnections: 1 });
  } catch (error) {
    throw new CliError(`${(error as Error).message}`, EXIT.usage);
  }
  try {
    const { from, to } = await migratePostgres(handle.pool, handle.schema.slice(1, -1));
    io.out(
      from === to
        ? `schema ${handle.schema} is up to date (version ${to})`
        : `schema ${handle.schema} migrated from version ${from} to ${to}`,
    );
    return EXIT.ok;
  } catch (error) {
    throw new CliError(
      `cannot migrate ${redactUrl(opts.postgres)}: ${(error as Error).message}`,
      EXIT.internal,
    );
  } finally {
    await handle.close();
  }
}

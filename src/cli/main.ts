export async function main(argv: readonly string[]): Promise<number> {
  process.stdout.write(`mandate: ${argv.join(" ")}\n`);
  return 0;
}

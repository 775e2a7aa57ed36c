import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";

/** Finds line and column of a JSON Pointer in a parsed YAML/JSON document. */
export class SourceMap {
  constructor(
    private readonly doc: Document | null,
    private readonly lines: LineCounter | null,
  ) {}

  /**
   * Position of the value at `pointer`; with `key`, of that key inside the map at `pointer`
   * (used for unknown keys). Falls back to the closest enclosing node that exists.
   */
  locate(pointer: string, key?: string): { line: number; column: number } {
    if (!this.doc || !this.lines) return { line: 1, column: 1 };
    const segments =
      pointer === ""
        ? []
        : pointer
            .slice(1)
            .split("/")
            .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (key !== undefined) segments.push(key);
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const [i, segment] of segments.entries()) {
      const isLast = i === segments.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
        if (!pair) break;
        // For the key itself (unknown-key errors) point at the key, otherwise at the value.
        const target = isLast && key !== undefined ? pair.key : (pair.value ?? pair.key);
        offset = rangeStart(target) ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else break;
    }
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

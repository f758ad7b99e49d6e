/**
 * Formats rows as aligned text columns with a header line, for human output (use `--json` for
 * machines). Cells are single-line: newlines and tabs become spaces.
 */
export function formatTable<R extends Record<string, unknown>>(
  rows: readonly R[],
  columns: readonly { readonly key: keyof R & string; readonly header: string }[],
): string {
  const cell = (v: unknown): string =>
    v === undefined || v === null ? '' : String(v as string).replace(/[\r\n\t]+/g, ' ');
  const table = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cell(r[c.key])))];
  const widths = columns.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  return table
    .map((line) =>
      line
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Formats `label: value` lines with the values aligned. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n');
}

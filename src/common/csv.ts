/**
 * One CSV line (RFC 4180). Cells that a spreadsheet would run as a formula (leading = + - @ or a
 * tab/CR) are prefixed with a quote, so an exported file cannot carry an injection.
 */
export function csvLine(cells: readonly unknown[]): string {
  return (
    cells
      .map((cell) => {
        if (cell === null || cell === undefined) return '';
        let text = typeof cell === 'string' ? cell : cell instanceof Date ? cell.toISOString() : String(cell);
        if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
        return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(',') + '\r\n'
  );
}

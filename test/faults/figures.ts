import { appendFileSync } from 'node:fs';

/**
 * Prints a fault test's measurements, and appends them as one JSON line to FAULT_FIGURES_FILE when
 * set, for the reliability notes. Measurements only: no test asserts on time.
 */
export function recordFigure(test: string, figures: Record<string, number | string>): void {
  const line = JSON.stringify({ test, ...figures });
  process.stdout.write(`\nfigures: ${line}\n`);
  if (process.env.FAULT_FIGURES_FILE) appendFileSync(process.env.FAULT_FIGURES_FILE, `${line}\n`);
}

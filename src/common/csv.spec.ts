import fc from 'fast-check';
import { csvLine } from './csv';

/** Reads one RFC 4180 record ending in CRLF: what a spreadsheet sees in each cell. */
function parseLine(line: string): string[] {
  expect(line.endsWith('\r\n')).toBe(true);
  const text = line.slice(0, -2);
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated quoted cell in ${JSON.stringify(line)}`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',') {
        if (/["\r\n]/.test(text[i])) throw new Error(`unquoted special character in ${JSON.stringify(line)}`);
        cell += text[i++];
      }
    }
    cells.push(cell);
    if (i >= text.length) return cells;
    if (text[i] !== ',') throw new Error(`expected a comma at ${i} in ${JSON.stringify(line)}`);
    i++;
  }
}

const FORMULA_START = /^[=+\-@\t\r]/;

describe('csvLine', () => {
  it('joins plain cells with commas and ends the line with CRLF', () => {
    expect(csvLine(['a', 'b', 'c'])).toBe('a,b,c\r\n');
  });

  it('writes null and undefined as empty cells', () => {
    expect(csvLine([null, 'x', undefined])).toBe(',x,\r\n');
  });

  it('writes numbers, booleans and dates as text', () => {
    expect(csvLine([42, true, new Date('2026-06-01T12:00:00.000Z')])).toBe(
      '42,true,2026-06-01T12:00:00.000Z\r\n',
    );
  });

  it('quotes a cell holding a comma, a quote, a CR or a LF, doubling quotes', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 'cr\rhere'])).toBe(
      '"a,b","say ""hi""","two\nlines","cr\rhere"\r\n',
    );
  });

  it('keeps Chinese text and other Unicode as it is', () => {
    expect(csvLine(['张某某', '某大学'])).toBe('张某某,某大学\r\n');
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tcmd', '\rcmd'])(
    'prefixes the formula-like cell %j with a quote',
    (cell) => {
      expect(parseLine(csvLine([cell]))).toEqual([`'${cell}`]);
    },
  );

  it('prefixes a formula holding quotes and commas, then quotes it', () => {
    expect(csvLine(['=HYPERLINK("http://evil.example","x")'])).toBe(
      '"\'=HYPERLINK(""http://evil.example"",""x"")"\r\n',
    );
  });

  it('prefixes a negative number too (it would start with a minus)', () => {
    expect(csvLine([-5])).toBe("'-5\r\n");
  });

  it('leaves a cell with = elsewhere than at its start alone', () => {
    expect(csvLine(['a=b', ' =x'])).toBe('a=b, =x\r\n');
  });

  it('writes an empty row as an empty line', () => {
    expect(csvLine([])).toBe('\r\n');
    expect(csvLine([''])).toBe('\r\n');
  });

  it('gives back every cell when read as RFC 4180, formulas defused (property)', () => {
    const cell = fc.string({ unit: fc.constantFrom(...'ab,"\r\n\t=+-@ 张') });
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
        const parsed = parseLine(csvLine(cells));
        expect(parsed).toEqual(cells.map((c) => (FORMULA_START.test(c) ? `'${c}` : c)));
        for (const p of parsed) expect(p).not.toMatch(FORMULA_START);
      }),
    );
  });

  it('writes exactly one record per call: CRLF appears unquoted only at the end (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 5 }), (cells) => {
        const line = csvLine(cells);
        const outsideQuotes = line.replace(/"(?:[^"]|"")*"/g, '');
        expect(outsideQuotes.indexOf('\r\n')).toBe(outsideQuotes.length - 2);
        expect(outsideQuotes.slice(0, -2)).not.toMatch(/[\r\n"]/);
      }),
    );
  });
});

import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { exportRecord, exportTable } from './export-rows';
import { EXPORT_DATASETS } from './exports.types';

const protector = new PersonalDataProtector({
  piiHmacKey: randomBytes(32),
  piiEncryptionKeys: [{ id: 'k1', key: randomBytes(32) }],
});

const subject = (
  identifiers: { type: string; issuingCountry: string | null; value: string; masked: string }[],
) => ({
  id: 's1',
  kind: 'NATURAL_PERSON',
  name: 'John Smith',
  organisation: null,
  version: 3,
  formerNames: ['Old, Name', '旧名'],
  aliases: [],
  identifiers: identifiers.map(({ value, ...rest }) => ({
    ...rest,
    ciphertext: protector.encrypt(value).toString('base64'),
  })),
});

const ID = {
  type: 'RESIDENT_ID',
  issuingCountry: null,
  value: '11010519491231002X',
  masked: '110105********002X',
};
const PASSPORT = { type: 'PASSPORT', issuingCountry: 'GB', value: 'AB1234567', masked: 'AB*****67' };

describe('exportRecord', () => {
  it('drops the ciphertext of masked identifiers', () => {
    expect(exportRecord('subjects', subject([ID, PASSPORT])).identifiers).toEqual([
      { type: 'RESIDENT_ID', issuingCountry: null, masked: '110105********002X' },
      { type: 'PASSPORT', issuingCountry: 'GB', masked: 'AB*****67' },
    ]);
  });

  it('adds the decrypted value when revealing, and still drops the ciphertext', () => {
    const record = exportRecord('subjects', subject([ID]), protector);
    expect(record.identifiers).toEqual([
      {
        type: 'RESIDENT_ID',
        issuingCountry: null,
        masked: '110105********002X',
        value: '11010519491231002X',
      },
    ]);
    expect(JSON.stringify(record)).not.toContain('ciphertext');
  });

  it('leaves records of other datasets as the feed states them', () => {
    const state = { id: 'm1', caseId: 'c1', domains: ['AWARD'] };
    expect(exportRecord('measures', state)).toBe(state);
  });
});

describe('exportTable', () => {
  it('flattens a subject: names joined with "; ", identifiers as TYPE[:COUNTRY]:value', () => {
    const masked = exportTable('subjects', 'masked');
    const full = exportTable('subjects', 'full');
    expect(masked.header).toEqual([
      'id',
      'kind',
      'name',
      'organisation',
      'formerNames',
      'aliases',
      'identifiers',
      'version',
    ]);
    expect(full.header).toEqual([...masked.header, 'identifierValues']);
    const record = exportRecord('subjects', subject([ID, PASSPORT]), protector);
    expect(full.cells(record)).toEqual([
      's1',
      'NATURAL_PERSON',
      'John Smith',
      null,
      'Old, Name; 旧名',
      '',
      'RESIDENT_ID:110105********002X PASSPORT:GB:AB*****67',
      3,
      'RESIDENT_ID:11010519491231002X PASSPORT:GB:AB1234567',
    ]);
  });

  it('flattens a case: codes and ids joined with spaces, each subject with its roles', () => {
    const table = exportTable('cases', 'masked');
    const cells = table.cells({
      id: 'c1',
      status: 'FINAL',
      decisionNumber: '泉科〔2020〕34号',
      authority: 'A',
      decisionDate: '2020-05-01',
      severity: 'SEVERE',
      misconductTypes: ['PLAGIARISM', 'OTHER'],
      legalBasis: null,
      ruleVersion: 1,
      version: 2,
      subjects: [
        { subjectId: 's1', roles: ['PROJECT_LEAD', 'RESEARCHER'] },
        { subjectId: 's2', roles: ['IMPLEMENTING_UNIT'] },
      ],
      measureIds: ['m1', 'm2'],
    });
    const byColumn = Object.fromEntries(table.header.map((h, i) => [h, cells[i]]));
    expect(byColumn).toMatchObject({
      misconductTypes: 'PLAGIARISM OTHER',
      subjects: 's1:PROJECT_LEAD+RESEARCHER s2:IMPLEMENTING_UNIT',
      measureIds: 'm1 m2',
      legalBasis: null,
      ruleVersion: 1,
    });
  });

  it('gives every dataset one cell per column, each a plain value, for any state', () => {
    // A column of its own field takes any JSON value (objects and arrays become JSON text);
    // the list columns take lists of the shape the feed gives them.
    const strings = fc.array(fc.string());
    const listFields: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
      formerNames: strings,
      aliases: strings,
      misconductTypes: strings,
      measureIds: strings,
      domains: strings,
      identifiers: fc.array(
        fc.record({
          type: fc.string(),
          issuingCountry: fc.option(fc.string(), { nil: null }),
          masked: fc.string(),
          value: fc.string(),
        }),
      ),
      subjects: fc.array(fc.record({ subjectId: fc.string(), roles: strings })),
    };
    const tableAndState = fc
      .tuple(fc.constantFrom(...EXPORT_DATASETS), fc.constantFrom('masked' as const, 'full' as const))
      .chain(([dataset, identifiers]) => {
        const table = exportTable(dataset, identifiers);
        const state = fc.record(
          Object.fromEntries(table.header.map((h) => [h, listFields[h] ?? fc.jsonValue()])),
        );
        return fc.tuple(fc.constant(table), state);
      });
    fc.assert(
      fc.property(tableAndState, ([table, state]) => {
        const cells = table.cells(state);
        expect(cells).toHaveLength(table.header.length);
        for (const cell of cells)
          expect(['string', 'number', 'boolean'].includes(typeof cell) || cell === null).toBe(true);
      }),
    );
  });
});

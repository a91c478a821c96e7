import { randomBytes } from 'node:crypto';
import { pdfText } from '../../test/pdf-text';
import { certificateLanguage, certificatePdf, chinaTime, reasonText, verifyUrl } from './certificate-pdf';
import { applicantPart, CHECK_RECEIPT_FORMAT, CheckReceipt, ReceiptReason } from './check-receipt';
import { privateKeyFromSeed, signDocument } from './receipt-signature';

const key = privateKeyFromSeed(randomBytes(32));
const sign = <T extends object>(document: T) => signDocument(document, 'r1', key);

const ban: ReceiptReason = {
  effect: 'BLOCK',
  kind: 'MEASURE',
  match: 'IDENTIFIER',
  listType: null,
  measureType: 'BAN_FUNDED_ACTIVITY',
  measureLabel: '一定期限禁止承担或参与财政性资金支持的科技活动',
  decisionNumber: '国科发监〔2025〕12号',
  authority: '科学技术部',
  decisionDate: '2025-03-01',
  misconductTypes: ['PLAGIARISM'],
  from: '2025-03-01',
  to: '2030-02-28',
  lifetime: false,
  underObjection: false,
};

function receipt(reasons: ReceiptReason[], verdict = 'BLOCK'): CheckReceipt {
  return {
    format: CHECK_RECEIPT_FORMAT,
    id: '0b8f4f7e-6d2a-4c1e-9a53-2f7d1c9e4b10',
    part: null,
    issuer: { name: '科研诚信记录登记系统', nameEn: 'Research Integrity Registry' },
    issuedAt: '2026-12-03T06:40:12.345Z',
    purpose: '2027年度省重点研发计划项目立项资格审查',
    reference: 'CALL-2027-01',
    domain: { code: 'PROJECT_FUNDING', label: '科研计划项目补助/立项' },
    asOf: '2026-12-03',
    knownAt: '2026-12-03T06:40:12.345Z',
    lookbackYears: 3,
    ruleVersion: 4,
    counts: { BLOCK: 1, REVIEW: 0, CLEAR: 1, ERROR: 0 },
    applicants: [
      {
        index: 0,
        ref: 'A-0001',
        kind: 'NATURAL_PERSON',
        name: '张**',
        organisation: '某某大学',
        identifier: { type: 'RESIDENT_ID', issuingCountry: 'CN', masked: '110105********002X' },
        inputHash: randomBytes(32).toString('hex'),
        verdict,
        underObjection: false,
        greenChannel: false,
        reasons,
      },
      {
        index: 1,
        ref: null,
        kind: null,
        name: '李*',
        organisation: null,
        identifier: null,
        inputHash: randomBytes(32).toString('hex'),
        verdict: 'CLEAR',
        underObjection: false,
        greenChannel: false,
        reasons: [],
      },
    ],
    answerHash: randomBytes(32).toString('hex'),
  };
}

/** Text as extracted, without the spaces PDF.js puts between glyph runs. */
const squeezed = (text: string) => text.replace(/\s+/g, '');

describe('certificatePdf', () => {
  it('is one page stating the verdict, its grounds, the masked applicant and the receipt id (Chinese)', async () => {
    const part = sign(applicantPart(sign(receipt([ban, { ...ban, measureLabel: null }])), 0));
    const { pages, text } = await pdfText(
      await certificatePdf(part, { lang: 'zh', baseUrl: 'https://r.example' }),
    );
    expect(pages).toBe(1);
    const t = squeezed(text);
    for (const expected of [
      '科研诚信核查证明',
      '科研诚信记录登记系统',
      '不得参与',
      'BLOCK',
      '张**',
      '110105********002X',
      '0b8f4f7e-6d2a-4c1e-9a53-2f7d1c9e4b10',
      '国科发监〔2025〕12号',
      '一定期限禁止承担或参与财政性资金支持的科技活动',
      '2026-12-0314:40:12',
      'CALL-2027-01',
      '科研计划项目补助/立项',
      'r.example/verify?',
    ]) {
      expect(t).toContain(squeezed(expected));
    }
    // The part is about one applicant: the other one is not on it.
    expect(t).not.toContain('李*');
  });

  it('speaks English on request, and says a clear verdict has no grounds', async () => {
    const part = sign(applicantPart(sign(receipt([], 'CLEAR')), 0));
    const { text } = await pdfText(await certificatePdf(part, { lang: 'en', baseUrl: 'https://r.example' }));
    expect(text).toContain('Research Integrity Screening Certificate');
    expect(text).toContain('No restriction found');
    expect(squeezed(text)).toContain(squeezed('holds no record restricting this applicant'));
    expect(text).toContain('Research Integrity Registry');
  });

  it('keeps to one page however many grounds, counting those left off', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ ...ban, decisionNumber: `第${i}号` }));
    const part = sign(applicantPart(sign(receipt(many)), 0));
    const { pages, text } = await pdfText(
      await certificatePdf(part, { lang: 'zh', baseUrl: 'https://r.example' }),
    );
    expect(pages).toBe(1);
    expect(squeezed(text)).toMatch(/另有3\d项依据/);
  });
});

describe('certificate helpers', () => {
  it('chooses the language from lang, then Accept-Language by q value, else Chinese', () => {
    expect(certificateLanguage('en', 'zh-CN')).toBe('en');
    expect(certificateLanguage(undefined, 'en-GB,en;q=0.9')).toBe('en');
    expect(certificateLanguage(undefined, 'fr, en;q=0.5, zh;q=0.8')).toBe('zh');
    expect(certificateLanguage(undefined, 'fr')).toBe('zh');
    expect(certificateLanguage(undefined, undefined)).toBe('zh');
  });

  it('writes instants in China time and grounds in words', () => {
    expect(chinaTime('2026-12-03T20:00:00Z')).toBe('2026-12-04 04:00:00');
    expect(reasonText({ ...ban, kind: 'LISTING', listType: 'BLACK', underObjection: true }, 'zh', null)).toBe(
      '列入严重失信名单（2025-03-01 至 2030-02-28），决定：科学技术部 国科发监〔2025〕12号，不得参与；异议处理中，仍计入。',
    );
    expect(
      reasonText({ ...ban, lifetime: true, match: 'NAME_ORGANISATION', effect: 'REVIEW' }, 'en', null),
    ).toBe(
      'A subject matching by name and organisation (possible match): subject to the measure "ban funded activity" ' +
        '(for life), decision 科学技术部 国科发监〔2025〕12号; needs manual review.',
    );
  });

  it('points the QR code at the public verify page of the receipt and applicant', () => {
    const part = applicantPart(receipt([]), 1);
    expect(verifyUrl('https://r.example/base/', sign(part))).toBe(
      'https://r.example/base/verify?receipt=0b8f4f7e-6d2a-4c1e-9a53-2f7d1c9e4b10&applicant=1',
    );
  });
});

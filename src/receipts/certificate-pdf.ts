import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { CHINA_UTC_OFFSET_MS } from '../common/china-date';
import { IDENTIFIER_TYPE_LABELS, IdentifierType } from '../identifiers/identifiers';
import { LIST_TYPE_LABELS, ListType } from '../listings/listing-lifecycle';
import { VERDICT_OUTCOME_LABELS, VerdictOutcome } from '../screening/verdict';
import type { ReceiptApplicant, ReceiptReason, SignedCheckReceipt } from './check-receipt';

export type CertificateLanguage = 'zh' | 'en';

/**
 * The language of a certificate: `lang` when given, else the first of zh and en that Accept-Language
 * prefers (by q value), else Chinese.
 */
export function certificateLanguage(
  lang: string | undefined,
  acceptLanguage: string | undefined,
): CertificateLanguage {
  if (lang === 'zh' || lang === 'en') return lang;
  let best: { language: CertificateLanguage; q: number } | undefined;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const language = tag.startsWith('zh') ? 'zh' : tag.startsWith('en') ? 'en' : undefined;
    if (!language) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { language, q };
  }
  return best?.language ?? 'zh';
}

type Font = ReturnType<typeof fontkit.create>;

// Noto Sans Hans (GB 2312 repertoire, SIL Open Font License) from the npm package @embedpdf/fonts-sc;
// PDFKit embeds the subset of glyphs a certificate uses, so it renders the same everywhere. The parsed
// fonts are kept: fontkit reads the 8 MB CFF tables once (about a second), and a subset then takes
// tens of milliseconds.
// One weight only: each embedded subset costs about as much again, so bold text is drawn with an
// outline of its own colour instead.
let font: Font | undefined;
function cjkFont(): Font {
  if (!font) {
    const dir = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
    font = fontkit.create(readFileSync(join(dir, 'NotoSansHans-Regular.otf')));
  }
  return font;
}

const TEXT = {
  zh: {
    title: '科研诚信核查证明',
    subtitle: 'Research Integrity Screening Certificate',
    intro: (issuer: string) => `经${issuer}依据登记的科研诚信记录和所适用的规则数据核查，结果证明如下：`,
    date: (iso: string) => {
      const [y, m, d] = chinaTime(iso).slice(0, 10).split('-');
      return `${y}年${m}月${d}日`;
    },
    rows: {
      applicant: '申请人',
      identifier: '证件',
      organisation: '单位',
      purpose: '核查目的',
      reference: '业务编号',
      domain: '核查领域',
      asOf: '核查基准日',
      knownAt: '数据截至',
      lookback: '回溯期',
      ruleVersion: '规则数据版本',
      issuedAt: '核查时间',
    },
    lookback: (years: number) => `近${years}年`,
    time: (iso: string) => `${chinaTime(iso)}（北京时间）`,
    none: '无',
    verdict: '核查结论',
    reasons: '依据',
    noReasons: '在核查基准日，本系统未登记该申请人在该领域受到限制的记录。',
    more: (n: number) => `另有 ${n} 项依据，详见电子回执。`,
    verdicts: { ...VERDICT_OUTCOME_LABELS, ERROR: '未能核查（输入有误）' } as Record<string, string>,
    greenChannel: '该申请人在守信激励名单中，可适用绿色通道。',
    underObjection: '相关记录异议处理中，在异议决定前仍计入。',
    receiptId: '回执编号',
    applicantNo: (n: number, of: number) => `第 ${n} 位，共 ${of} 位`,
    signature: '电子签名',
    verify: '扫描二维码或访问以下地址核验本证明：',
    footer:
      '本证明所附电子回执（receipt.json）以 Ed25519 签名，任何人均可使用公开密钥离线核验。' +
      '证明不含完整证件号码，仅含遮蔽值及带密钥的哈希值。',
  },
  en: {
    title: 'Research Integrity Screening Certificate',
    subtitle: '科研诚信核查证明',
    intro: (issuer: string) =>
      `${issuer} has checked its research integrity records, under the rule data stated below, and certifies the following result.`,
    rows: {
      applicant: 'Applicant',
      identifier: 'Identifier',
      organisation: 'Organisation',
      purpose: 'Purpose',
      reference: 'Reference',
      domain: 'Review domain',
      asOf: 'As of (valid time)',
      knownAt: 'Records known at',
      lookback: 'Look-back window',
      ruleVersion: 'Rule data version',
      issuedAt: 'Checked at',
    },
    lookback: (years: number) => `${years} years`,
    date: (iso: string) => chinaTime(iso).slice(0, 10),
    time: (iso: string) => `${chinaTime(iso)} (UTC+8)`,
    none: 'none',
    verdict: 'Verdict',
    reasons: 'Grounds',
    noReasons: 'On the day checked, the registry holds no record restricting this applicant in this domain.',
    more: (n: number) => `${n} more grounds are listed in the electronic receipt.`,
    verdicts: {
      BLOCK: 'Barred from taking part',
      REVIEW: 'Manual review required',
      CLEAR: 'No restriction found',
      ERROR: 'Not checked (input refused)',
    } as Record<string, string>,
    greenChannel: 'The applicant is on the red list (trustworthy): the green channel applies.',
    underObjection: 'A record is under objection; it counts until the objection is decided.',
    receiptId: 'Receipt id',
    applicantNo: (n: number, of: number) => `applicant ${n} of ${of}`,
    signature: 'Signature',
    verify: 'Scan the QR code or open this address to verify this certificate:',
    footer:
      'The electronic receipt attached to this certificate (receipt.json) is signed with Ed25519 and can be ' +
      'verified offline with the published keys. It holds no full identifier: masked values and keyed hashes only.',
  },
} as const;

const LIST_TYPE_EN: Record<string, string> = {
  BLACK: 'the black list (serious dishonesty)',
  WATCH: 'the watch list',
  RED: 'the red list (trustworthy)',
};

const MATCH_PREFIX = {
  zh: {
    IDENTIFIER: '',
    NAME_ORGANISATION: '按姓名和单位疑似匹配的主体：',
    NAME_CONFLICTING_IDENTIFIER: '姓名相同但登记证件号码不同的主体：',
  },
  en: {
    IDENTIFIER: '',
    NAME_ORGANISATION: 'A subject matching by name and organisation (possible match): ',
    NAME_CONFLICTING_IDENTIFIER: 'A subject of the same name with a different recorded identifier: ',
  },
} as Record<CertificateLanguage, Record<string, string>>;

/** An instant as China Standard Time, to the second: `2026-12-03 14:40:12`. */
export function chinaTime(iso: string): string {
  const at = new Date(new Date(iso).getTime() + CHINA_UTC_OFFSET_MS).toISOString();
  return `${at.slice(0, 10)} ${at.slice(11, 19)}`;
}

const humanise = (code: string) => code.toLowerCase().replace(/_/g, ' ');

const IDENTIFIER_TYPES_EN: Record<string, string> = {
  RESIDENT_ID: 'Resident ID',
  USCC: 'USCC',
  PASSPORT: 'Passport',
  OTHER: 'Other ID',
};

/** One ground of a verdict in words. */
export function reasonText(
  reason: ReceiptReason,
  lang: CertificateLanguage,
  lookbackYears: number | null,
): string {
  const prefix = MATCH_PREFIX[lang][reason.match] ?? '';
  const period = reason.lifetime
    ? lang === 'zh'
      ? '终身'
      : 'for life'
    : reason.from || reason.to
      ? lang === 'zh'
        ? `${reason.from ?? ''} 至 ${reason.to ?? '长期'}`
        : `${reason.from ?? '…'} to ${reason.to ?? 'open-ended'}`
      : '';
  const decision = [reason.authority, reason.decisionNumber].filter(Boolean).join(' ');
  if (lang === 'zh') {
    const what =
      reason.kind === 'LISTING'
        ? `列入${LIST_TYPE_LABELS[reason.listType as ListType] ?? reason.listType}`
        : reason.kind === 'MEASURE'
          ? `受到处理措施“${reason.measureLabel ?? reason.measureType}”`
          : `近${lookbackYears ?? ''}年内有科研失信行为处理决定`;
    const effect =
      reason.effect === 'BLOCK'
        ? '，不得参与'
        : reason.effect === 'REVIEW'
          ? '，需人工核查'
          : '，适用守信激励';
    return (
      `${prefix}${what}${period ? `（${period}）` : ''}${decision ? `，决定：${decision}` : ''}${effect}` +
      `${reason.underObjection ? '；异议处理中，仍计入' : ''}。`
    );
  }
  const what =
    reason.kind === 'LISTING'
      ? `listed on ${LIST_TYPE_EN[reason.listType ?? ''] ?? reason.listType}`
      : reason.kind === 'MEASURE'
        ? `subject to the measure "${humanise(reason.measureType ?? '')}"`
        : `a misconduct decision within the ${lookbackYears ?? ''}-year look-back window`;
  const effect =
    reason.effect === 'BLOCK'
      ? '; bars taking part'
      : reason.effect === 'REVIEW'
        ? '; needs manual review'
        : '';
  const sentence =
    `${prefix}${what}${period ? ` (${period})` : ''}${decision ? `, decision ${decision}` : ''}${effect}` +
    `${reason.underObjection ? '; under objection, counts until decided' : ''}.`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

const VERDICT_COLOURS: Record<string, string> = {
  BLOCK: '#a8071a',
  REVIEW: '#ad6800',
  CLEAR: '#237804',
  ERROR: '#595959',
};

/** The URL a certificate's QR code opens: the public verify page of its receipt and applicant. */
export function verifyUrl(baseUrl: string, receipt: SignedCheckReceipt): string {
  const base = baseUrl.replace(/\/+$/, '');
  const applicant = receipt.part ? `&applicant=${receipt.part.applicant}` : '';
  return `${base}/verify?receipt=${receipt.id}${applicant}`;
}

export interface CertificateOptions {
  lang: CertificateLanguage;
  /** PUBLIC_BASE_URL: where the verify page is. */
  baseUrl: string;
}

const MAX_REASONS = 5;

/**
 * A one-page A4 certificate of one applicant's part of a check receipt (see applicantPart), signed: the
 * page states what the receipt says, and the signed receipt itself is attached as receipt.json.
 */
export async function certificatePdf(part: SignedCheckReceipt, options: CertificateOptions): Promise<Buffer> {
  const t = TEXT[options.lang];
  const applicant: ReceiptApplicant = part.applicants[0];
  const url = verifyUrl(options.baseUrl, part);
  const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const issued = new Date(part.issuedAt);

  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    info: {
      Title: `${t.title} ${part.id}`,
      Author: options.lang === 'zh' ? part.issuer.name : part.issuer.nameEn,
      Subject: part.purpose,
      CreationDate: issued,
      ModDate: issued,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  // PDFKit takes a parsed fontkit font as well as a file (its types say only the latter).
  doc.registerFont('regular', cjkFont() as unknown as Buffer);
  doc.font('regular');
  /** Text in the heavier look: filled and outlined in one colour. */
  const bold = (
    text: string,
    x: number,
    y: number,
    colour: string,
    options: PDFKit.Mixins.TextOptions = {},
  ) =>
    doc
      .fillColor(colour)
      .strokeColor(colour)
      .lineWidth(0.45)
      .text(text, x, y, { ...options, fill: true, stroke: true });

  const W = doc.page.width; // 595.28
  const H = doc.page.height; // 841.89
  const left = 62;
  const right = W - 62;
  const width = right - left;
  const ink = '#1f1f1f';
  const muted = '#595959';
  const accent = '#8c1c13';

  // Frame: a double rule, as printed certificates have.
  doc
    .lineWidth(2)
    .strokeColor(accent)
    .rect(28, 28, W - 56, H - 56)
    .stroke();
  doc
    .lineWidth(0.6)
    .rect(34, 34, W - 68, H - 68)
    .stroke();

  // Heading.
  let y = 62;
  const issuer = options.lang === 'zh' ? part.issuer.name : part.issuer.nameEn;
  doc.fontSize(11).fillColor(muted).text(issuer, left, y, { width, align: 'center' });
  y += 22;
  doc.fontSize(24);
  bold(t.title, left, y, accent, { width, align: 'center', characterSpacing: options.lang === 'zh' ? 4 : 0 });
  y += 33;
  doc.fontSize(10).fillColor(muted).text(t.subtitle, left, y, { width, align: 'center' });
  y += 20;
  doc.moveTo(left, y).lineTo(right, y).lineWidth(0.8).strokeColor(accent).stroke();
  y += 12;
  doc.fontSize(10.5).fillColor(ink).text(t.intro(issuer), left, y, { width, lineGap: 3 });
  y = doc.y + 9;

  // The facts, as a two-column table.
  const identifier = applicant.identifier
    ? `${options.lang === 'zh' ? (IDENTIFIER_TYPE_LABELS[applicant.identifier.type as IdentifierType] ?? applicant.identifier.type) : (IDENTIFIER_TYPES_EN[applicant.identifier.type] ?? applicant.identifier.type)}  ${applicant.identifier.masked}`
    : t.none;
  const rows: [string, string][] = [
    [t.rows.applicant, `${applicant.name ?? '—'}${applicant.ref ? `  (${applicant.ref})` : ''}`],
    [t.rows.identifier, identifier],
    [t.rows.organisation, applicant.organisation ?? '—'],
    [t.rows.purpose, part.purpose],
    [t.rows.reference, part.reference ?? '—'],
    [
      t.rows.domain,
      options.lang === 'zh' && part.domain.label
        ? `${part.domain.label}（${part.domain.code}）`
        : part.domain.code,
    ],
    [t.rows.asOf, part.asOf],
    [t.rows.knownAt, t.time(part.knownAt)],
    [t.rows.lookback, part.lookbackYears === null ? t.none : t.lookback(part.lookbackYears)],
    [t.rows.ruleVersion, String(part.ruleVersion)],
    [t.rows.issuedAt, t.time(part.issuedAt)],
  ];
  const labelWidth = 112;
  doc.lineWidth(0.5).strokeColor('#bfbfbf');
  for (const [label, value] of rows) {
    doc.fontSize(10);
    const h = Math.max(17, doc.heightOfString(value, { width: width - labelWidth - 16 }) + 6);
    doc.rect(left, y, labelWidth, h).fillAndStroke('#f5f0eb', '#bfbfbf');
    doc.rect(left + labelWidth, y, width - labelWidth, h).stroke();
    doc.fillColor(muted).text(label, left + 8, y + 3.5, { width: labelWidth - 12 });
    doc.fillColor(ink).text(value, left + labelWidth + 8, y + 3.5, { width: width - labelWidth - 16 });
    y += h;
  }
  y += 12;

  // The verdict.
  const colour = VERDICT_COLOURS[applicant.verdict] ?? ink;
  const verdictLabel =
    options.lang === 'zh'
      ? (t.verdicts[applicant.verdict] ?? VERDICT_OUTCOME_LABELS[applicant.verdict as VerdictOutcome])
      : t.verdicts[applicant.verdict];
  doc.lineWidth(1.2).strokeColor(colour).rect(left, y, width, 36).stroke();
  doc
    .fontSize(10)
    .fillColor(muted)
    .text(t.verdict, left + 12, y + 11, { width: 90 });
  doc.fontSize(16);
  bold(`${verdictLabel}  ${applicant.verdict}`, left + 104, y + 8, colour, { width: width - 116 });
  y += 46;

  // Its grounds, in words.
  doc.fontSize(10.5);
  bold(t.reasons, left, y, ink);
  y = doc.y + 4;
  doc.fontSize(9.5).fillColor(ink);
  // Foot: QR code and the signature, pinned to the bottom of the page; the grounds stop above it, the
  // ones that do not fit counted in a last line (the receipt lists them all).
  const qrSize = 104;
  const footTop = H - 62 - qrSize - 40;
  const notes = [
    ...(applicant.greenChannel ? [t.greenChannel] : []),
    ...(applicant.underObjection ? [t.underObjection] : []),
  ];
  const grounds =
    applicant.reasons.length === 0
      ? [t.noReasons]
      : applicant.reasons.map((r, i) => `${i + 1}. ${reasonText(r, options.lang, part.lookbackYears)}`);
  const textOptions = { width: width - 8, lineGap: 2 };
  const heightOf = (line: string) => doc.heightOfString(line, textOptions) + 3;
  const notesHeight = notes.reduce((sum, line) => sum + heightOf(line), 0);
  // The issuer and the date sign off above the foot, as on a printed certificate.
  const signOff = footTop - 44;
  doc.fontSize(11).fillColor(ink);
  doc.text(issuer, left, signOff, { width, align: 'right' });
  doc.text(t.date(part.issuedAt), left, signOff + 15, { width, align: 'right' });
  doc.fontSize(9.5);
  const room = signOff - 8 - notesHeight;
  let shown = 0;
  for (const line of grounds) {
    const last = shown === grounds.length - 1;
    const needed = heightOf(line) + (last ? 0 : heightOf(t.more(99)));
    if (shown >= MAX_REASONS || (shown > 0 && y + needed > room)) break;
    doc.text(line, left + 8, y, textOptions);
    y = doc.y + 3;
    shown++;
  }
  for (const line of [...(shown < grounds.length ? [t.more(grounds.length - shown)] : []), ...notes]) {
    doc.text(line, left + 8, y, textOptions);
    y = doc.y + 3;
  }

  doc
    .moveTo(left, footTop - 12)
    .lineTo(right, footTop - 12)
    .lineWidth(0.5)
    .strokeColor('#bfbfbf')
    .stroke();
  const cells = qr.modules.size;
  const cell = qrSize / (cells + 2);
  const qrLeft = right - qrSize;
  doc.rect(qrLeft, footTop, qrSize, qrSize).fill('#ffffff');
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      if (qr.modules.get(row, col))
        doc.rect(qrLeft + (col + 1) * cell, footTop + (row + 1) * cell, cell, cell);
    }
  }
  doc.fill('#000000');
  const textWidth = width - qrSize - 18;
  const partNo = part.part ? `  (${t.applicantNo(part.part.applicant + 1, part.part.of)})` : '';
  doc.fontSize(9.5);
  bold(`${t.receiptId}: ${part.id}${partNo}`, left, footTop, ink, { width: textWidth });
  doc
    .fontSize(8.5)
    .fillColor(muted)
    .text(`${t.signature}: Ed25519, kid ${part.signature.kid}`, left, doc.y + 3, { width: textWidth })
    .text(part.signature.value, { width: textWidth, lineBreak: true })
    .moveDown(0.4)
    .fillColor(ink)
    .text(t.verify, { width: textWidth })
    .fillColor('#0b4f9c')
    .text(url, { width: textWidth, link: url });
  doc
    .fontSize(7.5)
    .fillColor(muted)
    .text(t.footer, left, H - 62 - 26, { width, lineGap: 1 });

  doc.file(Buffer.from(JSON.stringify(part, null, 2), 'utf8'), {
    name: 'receipt.json',
    type: 'application/json',
    description: 'The signed receipt this certificate states',
    creationDate: issued,
    modifiedDate: issued,
  });
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

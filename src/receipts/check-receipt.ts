import { IdentifierType } from '../identifiers/identifiers';
import { maskMiddle } from '../personal-data/personal-data.protector';
import type { RuleData } from '../rules/rules';
import { SubjectKind } from '../subjects/subjects.types';
import type { VerdictEvidence, VerdictIncentive } from '../screening/verdict';
import type { SignedDocument } from './receipt-signature';

/** The `format` of a check receipt; a later incompatible shape gets a new number. */
export const CHECK_RECEIPT_FORMAT = 'registry-check-receipt/1';

/**
 * One record that counted for an applicant, in structured form: the certificate writes it out in words
 * in either language. The matched subject's name and identifier are left out on purpose: for a name
 * match they would be the applicant's own.
 */
export interface ReceiptReason {
  effect: string;
  kind: string;
  match: string;
  listType: string | null;
  measureType: string | null;
  /** The measure type's label in the rule data applied. */
  measureLabel: string | null;
  decisionNumber: string | null;
  authority: string | null;
  decisionDate: string | null;
  misconductTypes: string[];
  from: string | null;
  to: string | null;
  lifetime: boolean;
  underObjection: boolean;
}

/** An applicant as a receipt shows it: masked values and the keyed hash of the input, never a full ID. */
export interface ReceiptApplicant {
  index: number;
  ref: string | null;
  kind: string | null;
  /** A person's name with all but its first character starred; an organisation's name in full. */
  name: string | null;
  organisation: string | null;
  identifier: { type: string; issuingCountry: string | null; masked: string } | null;
  /** HMAC-SHA256 (hex) of the applicant's canonical input under the registry's key (see docs/certificates.md). */
  inputHash: string;
  verdict: string;
  underObjection: boolean;
  /** An active RED entry earns the green channel (绿色通道). */
  greenChannel: boolean;
  reasons: ReceiptReason[];
}

export interface CheckReceipt {
  format: typeof CHECK_RECEIPT_FORMAT;
  /** The check's id (GET /api/v1/checks/{id}). */
  id: string;
  /** null: the whole check; otherwise the one applicant a certificate is about, of how many checked. */
  part: { applicant: number; of: number } | null;
  issuer: { name: string; nameEn: string };
  /** Recorded time: when the check ran. */
  issuedAt: string;
  purpose: string;
  reference: string | null;
  domain: { code: string; label: string | null };
  /** Valid time: the day asked about. */
  asOf: string;
  /** Recorded time judged by. */
  knownAt: string;
  lookbackYears: number | null;
  ruleVersion: number;
  /** The whole check's counts; absent from a one-applicant part, which tells nothing of the others. */
  counts?: Record<string, number>;
  applicants: ReceiptApplicant[];
  /** SHA-256 (hex) of the canonical stored answer, which GET /api/v1/checks/{id} shows. */
  answerHash: string;
}

export type SignedCheckReceipt = SignedDocument<CheckReceipt>;

/** A name as a receipt shows it: an organisation's in full, a person's first character and stars. */
export function maskName(name: string, kind?: string | null): string {
  if (kind === SubjectKind.LEGAL_PERSON || kind === SubjectKind.UNINCORPORATED_ORG) return name;
  const chars = Array.from(name);
  return chars.length <= 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
}

/**
 * An identifier the registry could not accept, masked all the same (ERROR rows): the receipt shows
 * what was refused without repeating it.
 */
export function maskRefusedIdentifier(type: string, value: string): string {
  const v = value.trim().toUpperCase();
  if (type === IdentifierType.USCC) return maskMiddle(v, 8, 2);
  return type === IdentifierType.RESIDENT_ID ? maskMiddle(v, 6, 4) : maskMiddle(v, 2, 2);
}

/** The structured reasons of an applicant's evidence, with the measure labels of the rule data. */
export function receiptReasons(evidence: readonly unknown[], rules?: RuleData): ReceiptReason[] {
  // Members in JCS order, so that canonicalJson writes them without a copy.
  return (evidence as VerdictEvidence[]).map((e) => ({
    authority: e.case?.authority ?? null,
    decisionDate: e.case?.decisionDate ?? null,
    decisionNumber: e.case?.decisionNumber ?? null,
    effect: e.effect,
    from: e.period.from,
    kind: e.kind,
    lifetime: e.period.lifetime,
    listType: e.listType ?? null,
    match: e.match,
    measureLabel: (e.measureType && rules?.measureTypes.find((m) => m.code === e.measureType)?.label) || null,
    measureType: e.measureType ?? null,
    misconductTypes: [...(e.case?.misconductTypes ?? [])],
    to: e.period.to,
    underObjection: e.underObjection,
  }));
}

export interface ReceiptResultInput {
  index: number;
  ref?: string;
  verdict: string;
  underObjection: boolean;
  incentive?: unknown;
  evidence: unknown[];
}

/** What a check knows of one applicant's input, masked before it reaches the receipt. */
export interface ReceiptApplicantInput {
  kind?: string;
  name?: string;
  organisation?: string;
  identifier?: { type: string; issuingCountry: string | null; masked: string };
  inputHash: Buffer;
}

/** One applicant's entry of a receipt. */
export function receiptApplicant(
  result: ReceiptResultInput,
  input: ReceiptApplicantInput,
  rules?: RuleData,
): ReceiptApplicant {
  // Members in JCS order, so that canonicalJson writes them without a copy.
  const identifier = input.identifier && {
    issuingCountry: input.identifier.issuingCountry,
    masked: input.identifier.masked,
    type: input.identifier.type,
  };
  return {
    greenChannel: Boolean(result.incentive as VerdictIncentive | undefined),
    identifier: identifier ?? null,
    index: result.index,
    inputHash: input.inputHash.toString('hex'),
    kind: input.kind ?? null,
    name: input.name === undefined ? null : maskName(input.name, input.kind),
    organisation: input.organisation || null,
    reasons: receiptReasons(result.evidence, rules),
    ref: result.ref ?? null,
    underObjection: result.underObjection,
    verdict: result.verdict,
  };
}

/** The part of a whole-check receipt about one applicant, unsigned: the document of a certificate. */
export function applicantPart(receipt: CheckReceipt, position: number): CheckReceipt {
  const { signature: _signature, counts: _counts, ...rest } = receipt as SignedCheckReceipt;
  return {
    ...rest,
    part: { applicant: receipt.applicants[position].index, of: receipt.applicants.length },
    applicants: [receipt.applicants[position]],
  };
}

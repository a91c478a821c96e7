import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AuditInsert } from '../audit/audit.repository';
import { actorOf, AuditService } from '../audit/audit.service';
import { Batcher, RECEIPT_BATCH } from '../common/batcher';
import { ReadSource, ReplicaSet } from '../database/replicas';
import type { Pool } from 'pg';
import { AppError } from '../common/errors/app-error';
import { RequestContext } from '../common/request-context';
import { IdentifierType, issuingCountryOf, normalizeIdentifier } from '../identifiers/identifiers';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import {
  CHECK_RECEIPT_FORMAT,
  applicantPart,
  CheckReceipt,
  maskRefusedIdentifier,
  receiptApplicant,
  SignedCheckReceipt,
} from '../receipts/check-receipt';
import { ReceiptKeys } from '../receipts/receipt-keys';
import { CertificateLanguage, certificatePdf } from '../receipts/certificate-pdf';
import { canonicalJson } from '../receipts/receipt-signature';
import { Env } from '../config/env';
import { todayIn } from '../rules/rules';
import { RuleSet } from '../rules/rules.repository';
import { RulesService } from '../rules/rules.service';
import { nameKey } from '../subjects/name-key';
import { ApplicantDto, CheckCreateDto, CheckResponseDto, CheckResultDto } from './screening.dto';
import {
  CheckRunInsert,
  NamePair,
  partBounds,
  SCREEN_PART_SIZE,
  ScreeningRepository,
  StoredRun,
} from './screening.repository';
import { decide, MatchKind, ScreeningCandidate } from './verdict';

export enum CheckErrorCode {
  CHECK_DOMAIN_UNKNOWN = 'CHECK_DOMAIN_UNKNOWN',
  CHECK_NOT_FOUND = 'CHECK_NOT_FOUND',
  CHECK_KNOWN_AT_IN_FUTURE = 'CHECK_KNOWN_AT_IN_FUTURE',
  CHECK_APPLICANT_OUT_OF_RANGE = 'CHECK_APPLICANT_OUT_OF_RANGE',
}

interface Row {
  index: number;
  applicant: ApplicantDto;
  nameKey: string;
  organisationKey: string | null;
  identifier?: { type: IdentifierType; issuingCountry: string; hash: Buffer; hex: string; masked: string };
  error?: { code: string; field: string; message: string };
}

/** Rows sharing a name key and an organisation key share their name matches. */
const pairKey = (key: string, org: string | null) => `${key}\u0000${org ?? ''}`;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * The recorded time a check judges by: `given` (normalised to UTC), or `now`.
 * @throws AppError 400 CHECK_KNOWN_AT_IN_FUTURE: the registry cannot answer from what it has not yet recorded.
 */
export function knownAtOf(given: string | undefined, now: Date): string {
  if (given === undefined) return now.toISOString();
  const knownAt = new Date(given);
  if (knownAt > now) {
    throw AppError.badRequest(
      CheckErrorCode.CHECK_KNOWN_AT_IN_FUTURE,
      'knownAt is in the future: the registry can only answer from what it has recorded',
      'knownAt',
    );
  }
  return knownAt.toISOString();
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Where a check may read: a minimum WAL position asks for read-your-writes; `servedBy` is set by the check. */
export interface ReadPreference {
  minPosition?: string;
  servedBy?: ReadSource;
}

/**
 * Checks applicants against the registry for one review domain and date: set-based look-ups for the
 * whole batch, the pure verdict rule per applicant, and a stored receipt with its audit entry written
 * through group commit before the answer leaves.
 */
@Injectable()
export class ScreeningService implements OnModuleDestroy {
  private readonly receipts: Batcher<{ run: CheckRunInsert; audit: AuditInsert }>;

  constructor(
    private readonly repository: ScreeningRepository,
    private readonly rules: RulesService,
    private readonly protector: PersonalDataProtector,
    private readonly audit: AuditService,
    private readonly keys: ReceiptKeys,
    private readonly env: Env,
    private readonly replicas: ReplicaSet,
  ) {
    this.receipts = new Batcher(
      (items) =>
        this.repository.storeReceipts(
          items.map((i) => i.run),
          items.map((i) => i.audit),
        ),
      RECEIPT_BATCH,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.receipts.drain();
  }

  /**
   * `read`: where the look-up may read (POST /checks passes one): a read replica when DATABASE_REPLICA_URLS
   * names any (see ReplicaSet), `read.servedBy` then says which. Without it (check jobs), the primary.
   */
  async check(ctx: RequestContext, dto: CheckCreateDto, read?: ReadPreference): Promise<CheckResponseDto> {
    const asOf = dto.asOf ?? todayIn();
    const at = new Date();
    const knownAt = knownAtOf(dto.knownAt, at);
    const ruleSet = await this.rulesFor(asOf, dto.domain, knownAt);
    const organisationKeys = new Map<string, string | null>();
    const prepareRows = (from: number, to: number) =>
      dto.applicants
        .slice(from, to)
        .map((applicant, i) => this.prepare(applicant, from + i, organisationKeys));
    const bounds = partBounds(dto.applicants.length, SCREEN_PART_SIZE);
    const first = prepareRows(bounds[0][0], bounds[0][1]);
    if (dto.applicants.length === 1 && first[0].error) {
      const { code, field, message } = first[0].error;
      throw AppError.badRequest(code, message, field);
    }

    if (read) read.servedBy = await this.replicas.choose(read.minPosition);
    const pool = read?.servedBy?.pool;
    // Each part's look-up is sent as soon as its rows are ready, so PostgreSQL works on the first part
    // while the next are prepared, and the inputs' keyed hashes are computed while it works on the last.
    const rows: Row[] = [];
    const lookups: Promise<Map<number, ScreeningCandidate[]>>[] = [];
    for (const [part, [from, to]] of bounds.entries()) {
      const partRows = part === 0 ? first : prepareRows(from, to);
      for (const row of partRows) rows.push(row);
      const lookup = this.candidates(partRows, pool);
      lookup.catch(() => undefined); // handled below by Promise.all, even if it fails while a later part is prepared
      lookups.push(lookup);
      if (part < bounds.length - 1) await new Promise(setImmediate); // lets the statement leave first
    }
    const inputHashes = rows.map((r) => this.protector.inputHash(canonicalJson(r.applicant) ?? ''));
    const candidates = new Map<number, ScreeningCandidate[]>();
    for (const found of await Promise.all(lookups)) for (const [index, c] of found) candidates.set(index, c);
    const judge = (found: ScreeningCandidate[]) =>
      decide({
        domain: dto.domain,
        asOf,
        knownAt,
        lookbackYears: dto.lookbackYears,
        rules: ruleSet.data,
        ruleVersion: ruleSet.version,
        candidates: found,
      });
    // Most applicants of a call match nobody: their verdict is the same, so it is reached once.
    const unmatched = judge([]);
    const results: CheckResultDto[] = rows.map((row) => {
      if (row.error) {
        return {
          index: row.index,
          ref: row.applicant.ref,
          verdict: 'ERROR',
          underObjection: false,
          evidence: [],
          error: row.error,
        };
      }
      const found = candidates.get(row.index);
      const verdict = found ? judge(found) : unmatched;
      return {
        index: row.index,
        ref: row.applicant.ref,
        verdict: verdict.outcome,
        incentive: verdict.incentive ?? undefined,
        underObjection: verdict.underObjection,
        evidence: verdict.evidence as unknown[],
      };
    });
    const counts = { BLOCK: 0, REVIEW: 0, CLEAR: 0, ERROR: 0 };
    for (const r of results) counts[r.verdict as keyof typeof counts]++;

    const id = randomUUID();
    const answer: CheckResponseDto = {
      id,
      at: at.toISOString(),
      domain: dto.domain,
      asOf,
      knownAt,
      reference: dto.reference ?? null,
      lookbackYears: dto.lookbackYears ?? null,
      ruleVersion: ruleSet.version,
      counts,
      results,
    };
    // The answer's canonical text is hashed, and stored as it is (jsonb keeps no member order).
    const answerText = canonicalJson(answer) ?? '';
    const answerHash = sha256(answerText);
    const receipt = this.keys.signText<CheckReceipt>({
      ...this.receiptHeader({ ...answer, purpose: dto.purpose, answerHash }),
      domain: {
        code: dto.domain,
        label: ruleSet.data.reviewDomains.find((d) => d.code === dto.domain)?.label ?? null,
      },
      counts,
      applicants: results.map((result, i) => {
        const row = rows[i];
        const given = row.applicant.identifier;
        return receiptApplicant(
          result,
          {
            kind: row.applicant.kind,
            name: row.applicant.name,
            organisation: row.applicant.organisation,
            identifier: row.identifier
              ? {
                  type: row.identifier.type,
                  issuingCountry: row.identifier.issuingCountry || null,
                  masked: row.identifier.masked,
                }
              : given
                ? {
                    type: given.type,
                    issuingCountry: given.issuingCountry ?? null,
                    masked: maskRefusedIdentifier(given.type, given.value),
                  }
                : undefined,
            inputHash: inputHashes[i],
          },
          ruleSet.data,
        );
      }),
    });
    const { actorType, actorId, actorName } = actorOf(ctx.principal);
    const matched = [...new Set([...candidates.values()].flat().map((c) => c.subjectId))];
    await this.receipts.submit({
      run: {
        id,
        actorType,
        actorId,
        actorName,
        domain: dto.domain,
        asOf,
        knownAt,
        purpose: dto.purpose,
        reference: dto.reference ?? null,
        lookbackYears: dto.lookbackYears ?? null,
        ruleVersion: ruleSet.version,
        applicants: rows.length,
        counts,
        inputHashes,
        answer: answerText,
        answerHash,
        receipt: receipt.text,
      },
      audit: this.audit.toInsert(ctx, {
        action: 'CHECK_RUN',
        targetType: 'CHECK',
        targetId: id,
        purpose: dto.purpose,
        changes: {
          domain: dto.domain,
          asOf,
          knownAt,
          reference: dto.reference,
          applicants: rows.length,
          counts,
          matchedSubjects: matched.slice(0, 1000),
          matchedSubjectsTotal: matched.length,
        },
      }),
    });
    return answer;
  }

  /**
   * The rule set in force on `asOf` among those recorded by `knownAt`, refusing a domain it does not
   * name.
   * @throws AppError 400 CHECK_DOMAIN_UNKNOWN
   */
  async rulesFor(asOf: string, domain: string, knownAt?: string): Promise<RuleSet> {
    const ruleSet = await this.rules.inForce(asOf, knownAt ? new Date(knownAt) : undefined);
    if (!ruleSet.data.reviewDomains.some((d) => d.code === domain)) {
      throw AppError.badRequest(
        CheckErrorCode.CHECK_DOMAIN_UNKNOWN,
        `${domain} is not a review domain`,
        'domain',
      );
    }
    return ruleSet;
  }

  /**
   * A stored receipt. Its answer names the subjects matched, so every read is audited (CHECK_READ),
   * durably before the answer leaves, as reads of subjects are.
   */
  async receipt(ctx: RequestContext, id: string) {
    const run = await this.readableRun(ctx, id);
    await this.recordRead(ctx, id);
    return run;
  }

  /** A stored check the caller may read (an API client: its own only), not yet audited. */
  private async readableRun(ctx: RequestContext, id: string) {
    const run = await this.repository.findRun(id);
    if (!run || (ctx.principal?.kind === 'API_CLIENT' && run.actorId !== ctx.principal.id)) {
      throw AppError.notFound(CheckErrorCode.CHECK_NOT_FOUND, `No check has id ${id}`);
    }
    return run;
  }

  private recordRead(ctx: RequestContext, id: string) {
    return this.audit.recordGrouped(ctx, { action: 'CHECK_READ', targetType: 'CHECK', targetId: id });
  }

  /** The members of a receipt that come from the check as a whole. */
  private receiptHeader(check: {
    id: string;
    at: string;
    purpose: string;
    reference: string | null;
    asOf: string;
    knownAt: string;
    lookbackYears: number | null;
    ruleVersion: number;
    answerHash: Buffer;
  }): Omit<CheckReceipt, 'domain' | 'applicants' | 'counts'> {
    return {
      format: CHECK_RECEIPT_FORMAT,
      id: check.id,
      part: null,
      issuer: { name: this.env.REGISTRY_NAME, nameEn: this.env.REGISTRY_NAME_EN },
      issuedAt: check.at,
      purpose: check.purpose,
      reference: check.reference,
      asOf: check.asOf,
      knownAt: check.knownAt,
      lookbackYears: check.lookbackYears,
      ruleVersion: check.ruleVersion,
      answerHash: check.answerHash.toString('hex'),
    };
  }

  /**
   * The signed receipt of a stored check. Checks stored before receipts were signed have none: theirs
   * is made now from the stored answer (no names or identifiers were kept for them) and signed with the
   * current key, which gives the same document every time (Ed25519 signatures are deterministic).
   */
  async signedReceipt(run: StoredRun): Promise<SignedCheckReceipt> {
    if (run.receipt) return JSON.parse(run.receipt) as SignedCheckReceipt;
    const answer = run.answer as CheckResponseDto;
    const ruleSet = await this.rules.inForce(run.asOf, run.knownAt).catch(() => undefined);
    const rules = ruleSet?.version === run.ruleVersion ? ruleSet.data : undefined;
    return this.keys.sign<CheckReceipt>({
      ...this.receiptHeader({ ...answer, purpose: run.purpose, answerHash: run.answerHash }),
      domain: {
        code: answer.domain,
        label: rules?.reviewDomains.find((d) => d.code === answer.domain)?.label ?? null,
      },
      counts: { ...answer.counts },
      applicants: answer.results.map((result, i) =>
        receiptApplicant(result, { inputHash: run.inputHashes[i] }, rules),
      ),
    });
  }

  /**
   * The certificate (PDF) of one applicant of a stored check: its part of the receipt, signed, on one
   * A4 page. Read access as for the receipt, and audited the same way (CHECK_READ).
   * @throws AppError 404 CHECK_NOT_FOUND, 400 CHECK_APPLICANT_OUT_OF_RANGE
   */
  async certificate(
    ctx: RequestContext,
    id: string,
    applicant: number,
    lang: CertificateLanguage,
  ): Promise<Buffer> {
    const run = await this.readableRun(ctx, id);
    const receipt = await this.signedReceipt(run);
    if (applicant >= receipt.applicants.length) {
      // Refused before the read is audited: a refusal writes nothing.
      throw AppError.badRequest(
        CheckErrorCode.CHECK_APPLICANT_OUT_OF_RANGE,
        `The check has ${receipt.applicants.length} applicant(s), numbered from 0`,
        'applicant',
      );
    }
    await this.recordRead(ctx, id);
    return certificatePdf(this.keys.sign(applicantPart(receipt, applicant)), {
      lang,
      baseUrl: this.publicBaseUrl,
    });
  }

  /** PUBLIC_BASE_URL, or the local address. */
  get publicBaseUrl(): string {
    return this.env.PUBLIC_BASE_URL ?? `http://localhost:${this.env.PORT}`;
  }

  /** A row's keys and identifier hash; `organisationKeys` is shared by a batch (many applicants share a unit). */
  private prepare(applicant: ApplicantDto, index: number, organisationKeys: Map<string, string | null>): Row {
    const organisation = applicant.organisation;
    let organisationKey = organisation ? organisationKeys.get(organisation) : null;
    if (organisationKey === undefined) {
      organisationKey = nameKey(organisation!) || null;
      organisationKeys.set(organisation!, organisationKey);
    }
    const row: Row = {
      index,
      applicant,
      nameKey: nameKey(applicant.name),
      organisationKey,
    };
    if (applicant.identifier) {
      const { type, value, issuingCountry } = applicant.identifier;
      const field = `applicants.${index}.identifier`;
      const country = issuingCountryOf(type, issuingCountry);
      const result = normalizeIdentifier(type, value);
      if (!country.ok) {
        row.error = { code: country.code, field: `${field}.issuingCountry`, message: country.message };
      } else if (!result.ok) {
        row.error = { code: result.code, field: `${field}.value`, message: result.message };
      } else {
        const hash = this.protector.lookupHash(type, result.value);
        row.identifier = {
          type,
          issuingCountry: country.value,
          hash,
          hex: hash.toString('hex'),
          masked: this.protector.mask(type, result.value),
        };
      }
    }
    return row;
  }

  /**
   * The candidates of a part's rows, found and loaded with one statement. A part holds every identifier
   * and name of its rows, so its rows are judged from its own answer.
   */
  private async candidates(rows: Row[], pool?: Pool): Promise<Map<number, ScreeningCandidate[]>> {
    const live = rows.filter((r) => !r.error);
    const hashes = new Map<string, Buffer>();
    const pairs = new Map<string, NamePair>();
    for (const row of live) {
      if (row.identifier) hashes.set(row.identifier.hex, row.identifier.hash);
      if (row.nameKey)
        pairs.set(pairKey(row.nameKey, row.organisationKey), { key: row.nameKey, org: row.organisationKey });
    }
    if (hashes.size === 0 && pairs.size === 0) return new Map();
    const screening = await this.repository.screen([...hashes.values()], [...pairs.values()], pool);
    const byHash = groupBy(
      screening.matches.filter((h) => h.via === 'I'),
      (h) => h.hash!,
    );
    const byPair = groupBy(
      screening.matches.filter((h) => h.via === 'N'),
      (h) => pairKey(h.key!, h.org),
    );

    // Which subjects each row matches, and how.
    const matches = new Map<Row, Map<string, { match: MatchKind; name: string; masked?: string }>>();
    for (const row of live) {
      const subjects = new Map<string, { match: MatchKind; name: string; masked?: string }>();
      if (row.identifier) {
        for (const h of byHash.get(row.identifier.hex) ?? []) {
          if (h.type === row.identifier.type && h.issuingCountry === row.identifier.issuingCountry) {
            subjects.set(h.subjectId, {
              match: 'IDENTIFIER',
              masked: h.masked ?? undefined,
              name: h.subjectName,
            });
          }
        }
      }
      for (const h of byPair.get(pairKey(row.nameKey, row.organisationKey)) ?? []) {
        if (!subjects.has(h.subjectId))
          subjects.set(h.subjectId, { match: 'NAME_ORGANISATION', name: h.subjectName });
      }
      if (subjects.size > 0) matches.set(row, subjects);
    }
    const iso = (at: string) => new Date(at).toISOString();
    const caseById = new Map(
      screening.cases.map((c) => [
        c.id,
        { ...c, history: (c.history ?? []).map((e) => ({ ...e, recordedAt: iso(e.recordedAt) })) },
      ]),
    );
    const heldBy = groupBy(screening.held, (h) => h.subjectId);
    const listingsBy = groupBy(screening.listings, (l) => l.subjectId);
    const measuresBy = groupBy(screening.measures, (m) => m.subjectId);
    const namedBy = groupBy(screening.named, (n) => n.subjectId);

    // A subject's facts, built once however many rows matched it.
    const facts = new Map<string, Pick<ScreeningCandidate, 'listings' | 'measures' | 'cases'>>();
    const factsOf = (subjectId: string) => {
      let found = facts.get(subjectId);
      if (!found) {
        const listings = (listingsBy.get(subjectId) ?? []).map((l) => ({
          ...l,
          history: (l.history ?? []).map((e) => ({ ...e, recordedAt: iso(e.recordedAt) })),
        }));
        const measures = (measuresBy.get(subjectId) ?? []).map((m) => ({
          ...m,
          recordedAt: m.recordedAt && iso(m.recordedAt),
        }));
        const cases = [
          ...new Set([
            ...(namedBy.get(subjectId) ?? []).map((n) => n.caseId),
            ...measures.map((m) => m.caseId),
            ...listings.flatMap((l) => (l.caseId ? [l.caseId] : [])),
          ]),
        ].flatMap((cid) => (caseById.has(cid) ? [caseById.get(cid)!] : []));
        found = { listings, measures, cases };
        facts.set(subjectId, found);
      }
      return found;
    };

    const result = new Map<number, ScreeningCandidate[]>();
    for (const [row, subjects] of matches) {
      result.set(
        row.index,
        [...subjects.entries()].map(([subjectId, f]) => {
          let match = f.match;
          let masked = f.masked;
          if (match === 'NAME_ORGANISATION') {
            const ids = heldBy.get(subjectId) ?? [];
            masked = ids[0]?.masked;
            if (row.identifier && ids.some((i) => i.type === row.identifier!.type)) {
              match = 'NAME_CONFLICTING_IDENTIFIER';
            }
          }
          return { match, subjectId, subjectName: f.name, maskedIdentifier: masked, ...factsOf(subjectId) };
        }),
      );
    }
    return result;
  }
}

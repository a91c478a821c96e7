import { HttpStatus, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { explainUniqueViolation } from '../common/errors/unique-violation';
import { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import { requireIdentifier } from '../identifiers/identifier-errors';
import { FOREIGN_IDENTIFIER_TYPES, IdentifierType } from '../identifiers/identifiers';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { nameKey } from './name-key';
import { IdentifierInputDto, SubjectCreateDto, SubjectSearchDto, SubjectUpdateDto } from './subjects.dto';
import { IdentifierInsert, SubjectRow, SubjectsRepository } from './subjects.repository';
import { IDENTIFIER_TYPES_BY_KIND, SubjectErrorCode, SubjectKind } from './subjects.types';

/** An identifier checked, normalised and protected, with the field its errors name. */
export type Prepared = IdentifierInsert & { field: string };

const summary = (s: SubjectRow) => ({
  kind: s.kind,
  name: s.name,
  organisation: s.organisation,
  formerNames: s.formerNames,
  aliases: s.aliases,
  identifiers: s.identifiers.map(
    (i) => `${i.type}${i.issuingCountry ? `/${i.issuingCountry}` : ''} ${i.masked}`,
  ),
});

/**
 * Subjects and their identifiers. Identifiers are checked, normalised, and stored only as keyed hash,
 * ciphertext and masked form; full numbers are shown only through `reveal`, which is audited.
 */
@Injectable()
export class SubjectsService {
  constructor(
    private readonly subjects: SubjectsRepository,
    private readonly protector: PersonalDataProtector,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /** Validates, normalises and protects identifiers; `path` prefixes the field names of errors. */
  prepareIdentifiers(kind: SubjectKind, inputs: IdentifierInputDto[], path: string): Prepared[] {
    const prepared = inputs.map((input, i) => {
      const field = `${path}.${i}`;
      if (!IDENTIFIER_TYPES_BY_KIND[kind].includes(input.type)) {
        throw AppError.badRequest(
          SubjectErrorCode.SUBJECT_IDENTIFIER_KIND_MISMATCH,
          `A ${kind} cannot hold a ${input.type}`,
          `${field}.type`,
        );
      }
      const needsCountry = FOREIGN_IDENTIFIER_TYPES.includes(input.type);
      if (needsCountry !== Boolean(input.issuingCountry)) {
        throw AppError.badRequest(
          SubjectErrorCode.SUBJECT_IDENTIFIER_COUNTRY,
          needsCountry
            ? `A ${input.type} needs its issuingCountry`
            : `A ${input.type} is Chinese: leave issuingCountry out`,
          `${field}.issuingCountry`,
        );
      }
      const value = requireIdentifier(input.type, input.value, `${field}.value`);
      return {
        field,
        type: input.type,
        issuingCountry: input.issuingCountry ?? '',
        ...this.protector.protect(input.type, value),
      };
    });
    const seen = new Set<string>();
    for (const p of prepared) {
      const key = `${p.type}/${p.issuingCountry}/${p.hash.toString('hex')}`;
      if (seen.has(key)) {
        throw AppError.badRequest(
          SubjectErrorCode.SUBJECT_IDENTIFIER_DUPLICATE,
          'The same identifier is given twice',
          `${p.field}.value`,
        );
      }
      seen.add(key);
    }
    return prepared;
  }

  async create(ctx: RequestContext, dto: SubjectCreateDto): Promise<SubjectRow> {
    const identifiers = this.prepareIdentifiers(dto.kind, dto.identifiers ?? [], 'identifiers');
    return this.withIdentifierConflicts(identifiers, () =>
      this.tx.run((m) => this.insertWith(m, ctx, dto, identifiers)),
    );
  }

  /**
   * Records a subject inside the caller's transaction (a case recorded with new subjects uses this);
   * `path` prefixes the field names of errors, e.g. `subjects.2.subject.identifiers`.
   */
  createWith(
    m: EntityManager,
    ctx: RequestContext,
    dto: SubjectCreateDto,
    path: string,
  ): Promise<SubjectRow> {
    return this.insertWith(m, ctx, dto, this.prepareIdentifiers(dto.kind, dto.identifiers ?? [], path));
  }

  private async insertWith(
    m: EntityManager,
    ctx: RequestContext,
    dto: SubjectCreateDto,
    identifiers: Prepared[],
  ) {
    await this.assertNoHolders(m, identifiers);
    const id = await this.subjects.insert(m, {
      kind: dto.kind,
      name: dto.name,
      nameKey: nameKey(dto.name),
      organisation: dto.organisation ?? null,
      organisationKey: dto.organisation ? nameKey(dto.organisation) : null,
      createdBy: ctx.principal?.kind === 'USER' ? ctx.principal.id : null,
    });
    await this.subjects.replaceNames(m, id, this.names(dto.formerNames ?? [], dto.aliases ?? []));
    await this.subjects.insertIdentifiers(m, id, identifiers);
    const created = (await this.subjects.findById(id, m))!;
    await this.audit.record(m, ctx, {
      action: 'SUBJECT_CREATED',
      targetType: 'SUBJECT',
      targetId: id,
      changes: { after: summary(created) },
    });
    return created;
  }

  /** The subjects holding any of `identifiers` (as `prepareIdentifiers` gave them), by their index. */
  holdersOf(m: EntityManager, identifiers: Prepared[]): Promise<{ index: number; subjectId: string }[]> {
    return this.subjects.holdersOf(m, identifiers);
  }

  /** Whether a subject exists, inside a transaction. */
  exists(m: EntityManager, id: string): Promise<boolean> {
    return this.subjects.exists(id, m);
  }

  async update(
    ctx: RequestContext,
    id: string,
    dto: SubjectUpdateDto,
    expectedVersion?: number,
  ): Promise<SubjectRow> {
    return this.tx.run(async (m) => {
      const before = await this.lockedOrThrow(m, id, expectedVersion);
      const name = dto.name ?? before.name;
      const organisation = dto.organisation === undefined ? before.organisation : dto.organisation || null;
      await this.subjects.update(m, id, {
        name,
        nameKey: nameKey(name),
        organisation,
        organisationKey: organisation ? nameKey(organisation) : null,
      });
      if (dto.formerNames || dto.aliases) {
        await this.subjects.replaceNames(
          m,
          id,
          this.names(dto.formerNames ?? before.formerNames, dto.aliases ?? before.aliases),
        );
      }
      const after = (await this.subjects.findById(id, m))!;
      await this.audit.record(m, ctx, {
        action: 'SUBJECT_UPDATED',
        targetType: 'SUBJECT',
        targetId: id,
        changes: { before: summary(before), after: summary(after) },
      });
      return after;
    });
  }

  async addIdentifiers(
    ctx: RequestContext,
    id: string,
    inputs: IdentifierInputDto[],
    expectedVersion?: number,
  ): Promise<SubjectRow> {
    const current = await this.get(id);
    const identifiers = this.prepareIdentifiers(current.kind, inputs, 'identifiers');
    return this.withIdentifierConflicts(identifiers, () =>
      this.tx.run(async (m) => {
        await this.lockedOrThrow(m, id, expectedVersion);
        await this.assertNoHolders(m, identifiers);
        await this.subjects.insertIdentifiers(m, id, identifiers);
        await this.subjects.bumpVersion(m, id);
        const after = (await this.subjects.findById(id, m))!;
        await this.audit.record(m, ctx, {
          action: 'SUBJECT_IDENTIFIERS_ADDED',
          targetType: 'SUBJECT',
          targetId: id,
          changes: { added: identifiers.map((i) => `${i.type} ${i.masked}`) },
        });
        return after;
      }),
    );
  }

  /** A subject as anyone with read access sees it (identifiers masked); the read is audited. */
  async read(ctx: RequestContext, id: string): Promise<SubjectRow> {
    const subject = await this.get(id);
    await this.audit.recordGrouped(ctx, { action: 'SUBJECT_READ', targetType: 'SUBJECT', targetId: id });
    return subject;
  }

  async get(id: string): Promise<SubjectRow> {
    const subject = await this.subjects.findById(id);
    if (!subject) throw AppError.notFound(SubjectErrorCode.SUBJECT_NOT_FOUND, `No subject has id ${id}`);
    return subject;
  }

  /** The full identifiers, for roles that need them; each reveal is audited with its purpose. */
  async reveal(ctx: RequestContext, id: string, purpose: string) {
    const rows = await this.subjects.ciphertexts(id);
    // No identifier: the subject has none, or there is no such subject.
    if (rows.length === 0 && !(await this.subjects.exists(id))) {
      throw AppError.notFound(SubjectErrorCode.SUBJECT_NOT_FOUND, `No subject has id ${id}`);
    }
    const revealed = rows.map((r) => ({
      id: r.id,
      type: r.type,
      issuingCountry: r.issuingCountry,
      masked: r.masked,
      value: this.protector.decrypt(r.ciphertext),
    }));
    await this.audit.recordGrouped(ctx, {
      action: 'SUBJECT_IDENTIFIERS_REVEALED',
      targetType: 'SUBJECT',
      targetId: id,
      purpose,
      changes: { identifiers: revealed.map((r) => `${r.type} ${r.masked}`) },
    });
    return revealed;
  }

  async search(ctx: RequestContext, dto: SubjectSearchDto) {
    let identifier: { type: IdentifierType; issuingCountry: string; hash: Buffer } | undefined;
    let masked: string | undefined;
    if (dto.identifier) {
      const value = requireIdentifier(dto.identifier.type, dto.identifier.value, 'identifier.value');
      identifier = {
        type: dto.identifier.type,
        issuingCountry: dto.identifier.issuingCountry ?? '',
        hash: this.protector.lookupHash(dto.identifier.type, value),
      };
      masked = this.protector.mask(dto.identifier.type, value);
    }
    const result = await this.subjects.search({
      identifier,
      nameKey: dto.name ? nameKey(dto.name) || undefined : undefined,
      organisationKey: dto.organisation ? nameKey(dto.organisation) || undefined : undefined,
      kind: dto.kind,
      offset: dto.offset,
      limit: dto.pageSize,
    });
    await this.audit.recordGrouped(ctx, {
      action: 'SUBJECT_SEARCHED',
      targetType: 'SUBJECT',
      changes: {
        criteria: {
          identifier: masked && `${dto.identifier!.type} ${masked}`,
          name: dto.name,
          organisation: dto.organisation,
          kind: dto.kind,
        },
        found: result.total,
      },
    });
    return result;
  }

  private names(formerNames: string[], aliases: string[]) {
    return [
      ...formerNames.map((name) => ({ kind: 'FORMER' as const, name, nameKey: nameKey(name) })),
      ...aliases.map((name) => ({ kind: 'ALIAS' as const, name, nameKey: nameKey(name) })),
    ];
  }

  private async lockedOrThrow(
    m: Parameters<SubjectsRepository['findById']>[1],
    id: string,
    expectedVersion?: number,
  ) {
    const subject = await this.subjects.findById(id, m, true);
    if (!subject) throw AppError.notFound(SubjectErrorCode.SUBJECT_NOT_FOUND, `No subject has id ${id}`);
    if (expectedVersion !== undefined && subject.version !== expectedVersion) {
      throw new AppError(
        HttpStatus.PRECONDITION_FAILED,
        SubjectErrorCode.SUBJECT_VERSION_MISMATCH,
        `The subject changed since version ${expectedVersion}; it is at version ${subject.version}`,
      );
    }
    return subject;
  }

  private async assertNoHolders(m: Parameters<SubjectsRepository['holdersOf']>[0], identifiers: Prepared[]) {
    const holders = await this.subjects.holdersOf(m, identifiers);
    if (holders.length > 0) throw this.conflict(identifiers, holders);
  }

  /** Two recorders creating the same identifier at once: the loser's unique violation becomes the same 409. */
  private withIdentifierConflicts<T>(identifiers: Prepared[], work: () => Promise<T>): Promise<T> {
    return explainUniqueViolation('subject_identifier_unique', work, async () => {
      const holders = await this.tx.run((m) => this.subjects.holdersOf(m, identifiers));
      if (holders.length > 0) throw this.conflict(identifiers, holders);
    });
  }

  private conflict(identifiers: Prepared[], holders: { index: number; subjectId: string }[]): AppError {
    return AppError.conflict(
      SubjectErrorCode.SUBJECT_IDENTIFIER_EXISTS,
      `A subject with this identifier exists: ${holders[0].subjectId}`,
      holders.map((h) => ({
        field: `${identifiers[h.index].field}.value`,
        code: SubjectErrorCode.SUBJECT_IDENTIFIER_EXISTS,
        message: `held by subject ${h.subjectId}`,
        context: { existingSubjectId: h.subjectId },
      })),
    );
  }
}

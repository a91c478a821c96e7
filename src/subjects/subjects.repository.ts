import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { noteChange } from '../changes/change-notes';
import { IdentifierType } from '../identifiers/identifiers';
import { SubjectKind } from './subjects.types';

export interface SubjectRow {
  id: string;
  kind: SubjectKind;
  name: string;
  organisation: string | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  formerNames: string[];
  aliases: string[];
  identifiers: { id: string; type: IdentifierType; issuingCountry: string; masked: string }[];
}

export interface IdentifierInsert {
  type: IdentifierType;
  issuingCountry: string;
  hash: Buffer;
  ciphertext: Buffer;
  masked: string;
}

export interface SubjectSearch {
  /** Exact look-up by keyed hash. */
  identifier?: { type: IdentifierType; issuingCountry: string; hash: Buffer };
  nameKey?: string;
  organisationKey?: string;
  kind?: SubjectKind;
  offset: number;
  limit: number;
}

const SUBJECT_SELECT = `
  SELECT s.id, s.kind, s.name, s.organisation, s.created_at AS "createdAt", s.updated_at AS "updatedAt", s.version,
    COALESCE((SELECT array_agg(n.name ORDER BY n.id) FROM subject_name n WHERE n.subject_id = s.id AND n.kind = 'FORMER'), '{}') AS "formerNames",
    COALESCE((SELECT array_agg(n.name ORDER BY n.id) FROM subject_name n WHERE n.subject_id = s.id AND n.kind = 'ALIAS'), '{}') AS "aliases",
    COALESCE((SELECT json_agg(json_build_object('id', i.id, 'type', i.type, 'issuingCountry', i.issuing_country, 'masked', i.masked) ORDER BY i.created_at, i.id)
      FROM subject_identifier i WHERE i.subject_id = s.id), '[]') AS identifiers
  FROM subject s`;

/** Subjects' SQL. Fuzzy name search uses pg_trgm on the `*_key` columns (see name-key.ts). */
@Injectable()
export class SubjectsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    m: EntityManager,
    s: {
      kind: SubjectKind;
      name: string;
      nameKey: string;
      organisation: string | null;
      organisationKey: string | null;
      createdBy: string | null;
    },
  ): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO subject (kind, name, name_key, organisation, organisation_key, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [s.kind, s.name, s.nameKey, s.organisation, s.organisationKey, s.createdBy],
    );
    noteChange(m, 'SUBJECT', row.id, 'RECORDED');
    return row.id;
  }

  async replaceNames(
    m: EntityManager,
    subjectId: string,
    names: { kind: 'FORMER' | 'ALIAS'; name: string; nameKey: string }[],
  ) {
    noteChange(m, 'SUBJECT', subjectId, 'NAMES_SET');
    await m.query('DELETE FROM subject_name WHERE subject_id = $1', [subjectId]);
    if (names.length === 0) return;
    await m.query(
      `INSERT INTO subject_name (subject_id, kind, name, name_key)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])`,
      [subjectId, names.map((n) => n.kind), names.map((n) => n.name), names.map((n) => n.nameKey)],
    );
  }

  /** Subjects already holding any of these identifiers, by identifier index. */
  async holdersOf(
    m: EntityManager,
    identifiers: Pick<IdentifierInsert, 'type' | 'issuingCountry' | 'hash'>[],
  ): Promise<{ index: number; subjectId: string }[]> {
    if (identifiers.length === 0) return [];
    return m.query(
      `SELECT x.ord - 1 AS index, i.subject_id AS "subjectId"
       FROM unnest($1::text[], $2::text[], $3::bytea[]) WITH ORDINALITY AS x(type, country, hash, ord)
       JOIN subject_identifier i ON i.type = x.type AND i.issuing_country = x.country AND i.lookup_hash = x.hash
       ORDER BY x.ord`,
      [
        identifiers.map((i) => i.type),
        identifiers.map((i) => i.issuingCountry),
        identifiers.map((i) => i.hash),
      ],
    );
  }

  async insertIdentifiers(
    m: EntityManager,
    subjectId: string,
    identifiers: IdentifierInsert[],
  ): Promise<void> {
    if (identifiers.length === 0) return;
    noteChange(m, 'SUBJECT', subjectId, 'IDENTIFIERS_ADDED');
    await m.query(
      `INSERT INTO subject_identifier (subject_id, type, issuing_country, lookup_hash, ciphertext, masked)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bytea[], $5::bytea[], $6::text[])`,
      [
        subjectId,
        identifiers.map((i) => i.type),
        identifiers.map((i) => i.issuingCountry),
        identifiers.map((i) => i.hash),
        identifiers.map((i) => i.ciphertext),
        identifiers.map((i) => i.masked),
      ],
    );
  }

  async findById(id: string, m?: EntityManager, lock = false): Promise<SubjectRow | undefined> {
    const [row] = await (m ?? this.dataSource.manager).query(
      `${SUBJECT_SELECT} WHERE s.id = $1${lock ? ' FOR UPDATE OF s' : ''}`,
      [id],
    );
    return row;
  }

  /** Whether a subject has this id: one index look-up, without building the whole row. */
  async exists(id: string, m?: EntityManager): Promise<boolean> {
    const rows = await (m ?? this.dataSource.manager).query('SELECT 1 FROM subject WHERE id = $1', [id]);
    return rows.length > 0;
  }

  async update(
    m: EntityManager,
    id: string,
    s: { name: string; nameKey: string; organisation: string | null; organisationKey: string | null },
  ): Promise<void> {
    noteChange(m, 'SUBJECT', id, 'UPDATED');
    await m.query(
      `UPDATE subject SET name = $2, name_key = $3, organisation = $4, organisation_key = $5,
         updated_at = now(), version = version + 1 WHERE id = $1`,
      [id, s.name, s.nameKey, s.organisation, s.organisationKey],
    );
  }

  async bumpVersion(m: EntityManager, id: string): Promise<void> {
    noteChange(m, 'SUBJECT', id, 'UPDATED');
    await m.query('UPDATE subject SET updated_at = now(), version = version + 1 WHERE id = $1', [id]);
  }

  /** A subject's identifiers with their ciphertexts, in the order of SubjectRow.identifiers. */
  async ciphertexts(
    id: string,
  ): Promise<
    { id: string; type: IdentifierType; issuingCountry: string; masked: string; ciphertext: Buffer }[]
  > {
    return this.dataSource.query(
      `SELECT id, type, issuing_country AS "issuingCountry", masked, ciphertext FROM subject_identifier
       WHERE subject_id = $1 ORDER BY created_at, id`,
      [id],
    );
  }

  /**
   * Subjects matching every criterion given: exact identifier, names (current, former, aliases)
   * containing or resembling the name, organisation containing or resembling it. Closest first.
   */
  async search(q: SubjectSearch): Promise<{ items: (SubjectRow & { score: number })[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    let score = '0';
    if (q.identifier) {
      where.push(
        `EXISTS (SELECT 1 FROM subject_identifier i WHERE i.subject_id = s.id AND i.type = ${p(q.identifier.type)}
           AND i.issuing_country = ${p(q.identifier.issuingCountry)} AND i.lookup_hash = ${p(q.identifier.hash)})`,
      );
    }
    if (q.nameKey) {
      const key = p(q.nameKey);
      where.push(
        `(s.name_key LIKE '%' || ${key} || '%' OR s.name_key % ${key}
          OR EXISTS (SELECT 1 FROM subject_name n WHERE n.subject_id = s.id AND (n.name_key LIKE '%' || ${key} || '%' OR n.name_key % ${key})))`,
      );
      score = `GREATEST(similarity(s.name_key, ${key}),
        COALESCE((SELECT max(similarity(n.name_key, ${key})) FROM subject_name n WHERE n.subject_id = s.id), 0))`;
    }
    if (q.organisationKey) {
      const key = p(q.organisationKey);
      where.push(`(s.organisation_key LIKE '%' || ${key} || '%' OR s.organisation_key % ${key})`);
      score = `${score} + similarity(COALESCE(s.organisation_key, ''), ${key})`;
    }
    if (q.kind) where.push(`s.kind = ${p(q.kind)}`);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM subject s ${filter}`,
      params,
    );
    const items = await this.dataSource.query(
      `SELECT * FROM (${SUBJECT_SELECT.replace('FROM subject s', `, ${score} AS score FROM subject s`)} ${filter}) r
       ORDER BY r.score DESC, r.name, r.id LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`,
      params,
    );
    return { items, total };
  }
}

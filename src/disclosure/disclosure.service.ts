import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { IdentifierType, issuingCountryOf, normalizeIdentifier } from '../identifiers/identifiers';
import { knownListing } from '../listings/in-force';
import { listingEvents, ListingsRepository } from '../listings/listings.repository';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { RuleData, todayIn } from '../rules/rules';
import { RulesService } from '../rules/rules.service';
import {
  DisclosureCandidateRow,
  DisclosureIdentifierRow,
  DisclosureRepository,
} from './disclosure.repository';
import { disclosureOn, PublicListType } from './public-entry';

/** One entry as the public sees it. */
export interface PublicEntry {
  id: string;
  listType: PublicListType;
  subjectKind: string;
  name: string;
  organisation: string | null;
  /** Masked as stored: a resident ID keeps its first 6 and last 4, a USCC is shown in full. */
  identifiers: { type: string; issuingCountry: string | null; masked: string }[];
  authority: string | null;
  /** The decision's document number (文号), or a RED designation's document. */
  decisionNumber: string | null;
  decisionDate: string | null;
  legalBasis: string | null;
  misconductTypes: string[];
  effectiveFrom: string;
  effectiveTo: string | null;
  publicUntil: string | null;
}

export interface PublicEntryFilter {
  listType?: PublicListType;
  /** Part of the name or organisation. */
  text?: string;
  /** Part of the authority. */
  authority?: string;
}

/** What the public sees today, and the public verify answer (docs/integration.md). */
@Injectable()
export class DisclosureService {
  constructor(
    private readonly repository: DisclosureRepository,
    private readonly listings: ListingsRepository,
    private readonly rules: RulesService,
    private readonly protector: PersonalDataProtector,
  ) {}

  /** The latest change to anything the view reads, or the start of `today` in China if later. */
  async lastModified(today: string): Promise<Date> {
    const dayStart = new Date(`${today}T00:00:00+08:00`);
    const changed = await this.repository.lastChange();
    return changed && changed > dayStart ? changed : dayStart;
  }

  /** Every entry shown today, newest effective first, filtered. */
  async entries(filter: PublicEntryFilter, today = todayIn()): Promise<PublicEntry[]> {
    const shown = await this.shown(today);
    const text = filter.text?.toLowerCase();
    const authority = filter.authority?.toLowerCase();
    const matching = shown.filter(
      ({ row }) =>
        (!filter.listType || row.listType === filter.listType) &&
        (!text ||
          row.subjectName.toLowerCase().includes(text) ||
          (row.organisation ?? '').toLowerCase().includes(text)) &&
        (!authority || (row.caseAuthority ?? '').toLowerCase().includes(authority)),
    );
    const identifiers = group(
      await this.repository.identifiers([...new Set(matching.map((e) => e.row.subjectId))]),
    );
    return matching.map(({ row, publicUntil }) =>
      view(row, identifiers.get(row.subjectId) ?? [], publicUntil),
    );
  }

  /**
   * Whether a subject holding exactly this identifier is shown on a public list today, and on which:
   * nothing about who it is. 400 with the identifier's code when it is not a valid identifier.
   */
  async verify(
    type: IdentifierType,
    value: string,
    issuingCountry: string | undefined,
    today = todayIn(),
  ): Promise<PublicListType[]> {
    const country = issuingCountryOf(type, issuingCountry);
    if (!country.ok) throw AppError.badRequest(country.code, country.message, 'issuingCountry');
    const normal = normalizeIdentifier(type, value);
    if (!normal.ok) throw AppError.badRequest(normal.code, normal.message, 'value');
    const subjectIds = await this.repository.subjectsWithIdentifier(
      type,
      country.value,
      this.protector.lookupHash(type, normal.value),
    );
    if (subjectIds.length === 0) return [];
    const shown = await this.shown(today, subjectIds);
    return (['BLACK', 'RED'] as const).filter((list) => shown.some((e) => e.row.listType === list));
  }

  /** The candidates the rule shows today, each with its publicity end. */
  private async shown(
    today: string,
    subjectIds?: string[],
  ): Promise<{ row: DisclosureCandidateRow; publicUntil: string | null }[]> {
    const rows = await this.repository.candidates(today, subjectIds);
    const histories = await this.listings.histories(rows.map((r) => r.id));
    const now = new Date().toISOString();
    const rulesByDate = new Map<string, RuleData>();
    const out: { row: DisclosureCandidateRow; publicUntil: string | null }[] = [];
    for (const row of rows) {
      let rules: RuleData | null = null;
      if (row.listType === 'BLACK' && row.caseDecisionDate) {
        rules = rulesByDate.get(row.caseDecisionDate) ?? (await this.rulesOn(row.caseDecisionDate, today));
        rulesByDate.set(row.caseDecisionDate, rules);
      }
      const known = knownListing(
        {
          history: listingEvents(histories.get(row.id) ?? []),
          effectiveFrom: row.effectiveFrom,
          effectiveTo: row.effectiveTo,
        },
        now,
      );
      const disclosure = disclosureOn(row, known, today, rules);
      if (disclosure.shown) out.push({ row, publicUntil: disclosure.publicUntil });
    }
    return out;
  }

  /** The rule data in force on a decision date (as credit repair reads it), else today's. */
  private async rulesOn(decisionDate: string, today: string): Promise<RuleData> {
    try {
      return (await this.rules.inForce(decisionDate)).data;
    } catch {
      return (await this.rules.inForce(today)).data;
    }
  }
}

function group(rows: DisclosureIdentifierRow[]): Map<string, DisclosureIdentifierRow[]> {
  const bySubject = new Map<string, DisclosureIdentifierRow[]>();
  for (const row of rows) {
    const list = bySubject.get(row.subjectId) ?? [];
    list.push(row);
    bySubject.set(row.subjectId, list);
  }
  return bySubject;
}

function view(
  row: DisclosureCandidateRow,
  ids: DisclosureIdentifierRow[],
  publicUntil: string | null,
): PublicEntry {
  return {
    id: row.id,
    listType: row.listType,
    subjectKind: row.subjectKind,
    name: row.subjectName,
    organisation: row.organisation,
    identifiers: ids.map((i) => ({
      type: i.type,
      issuingCountry: i.issuingCountry || null,
      masked: i.masked,
    })),
    authority: row.caseAuthority,
    decisionNumber: row.caseDecisionNumber ?? row.designationDocument,
    decisionDate: row.caseDecisionDate,
    legalBasis: row.caseLegalBasis,
    misconductTypes: row.caseMisconductTypes ?? [],
    effectiveFrom: row.effectiveFrom,
    effectiveTo: row.effectiveTo,
    publicUntil,
  };
}

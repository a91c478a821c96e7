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

/** The public view of one day as of one state of the registry. */
interface Snapshot {
  key: string;
  entries: { entry: PublicEntry; subjectId: string }[];
  lastModified: Date;
}

/**
 * What the public sees today, and the public verify answer (docs/integration.md). The view is
 * computed once per state of the registry and day, then served from memory: the state is the change
 * feed's last row, which every write to list entries, cases and subjects moves on, and the latest
 * rule-data version. One look-up of those per request, so other instances' writes show at once.
 */
@Injectable()
export class DisclosureService {
  private snapshot?: Snapshot;
  private building?: { key: string; promise: Promise<Snapshot> };

  constructor(
    private readonly repository: DisclosureRepository,
    private readonly listings: ListingsRepository,
    private readonly rules: RulesService,
    private readonly protector: PersonalDataProtector,
  ) {}

  /**
   * Every entry shown today, newest effective first, filtered; and when the view last changed: the
   * last write or rule-data version, or the start of `today` in China if later.
   */
  async entries(
    filter: PublicEntryFilter,
    today = todayIn(),
  ): Promise<{ entries: PublicEntry[]; lastModified: Date }> {
    const snapshot = await this.current(today);
    const text = filter.text?.toLowerCase();
    const authority = filter.authority?.toLowerCase();
    const entries = snapshot.entries
      .map(({ entry }) => entry)
      .filter(
        (e) =>
          (!filter.listType || e.listType === filter.listType) &&
          (!text ||
            e.name.toLowerCase().includes(text) ||
            (e.organisation ?? '').toLowerCase().includes(text)) &&
          (!authority || (e.authority ?? '').toLowerCase().includes(authority)),
      );
    return { entries, lastModified: snapshot.lastModified };
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
    const subjectIds = new Set(
      await this.repository.subjectsWithIdentifier(
        type,
        country.value,
        this.protector.lookupHash(type, normal.value),
      ),
    );
    if (subjectIds.size === 0) return [];
    const shown = (await this.current(today)).entries.filter((e) => subjectIds.has(e.subjectId));
    return (['BLACK', 'RED'] as const).filter((list) => shown.some((e) => e.entry.listType === list));
  }

  /** The view for `today` as of the registry's current state: from memory, or computed once. */
  private async current(today: string): Promise<Snapshot> {
    const stamp = await this.repository.stamp();
    const key = `${today}|${stamp.seq ?? ''}|${stamp.rulesAt?.toISOString() ?? ''}`;
    if (this.snapshot?.key === key) return this.snapshot;
    if (this.building?.key === key) return this.building.promise;
    const dayStart = new Date(`${today}T00:00:00+08:00`);
    const lastModified = new Date(
      Math.max(dayStart.getTime(), stamp.changedAt?.getTime() ?? 0, stamp.rulesAt?.getTime() ?? 0),
    );
    const promise = this.compute(today).then((entries) => {
      const snapshot = { key, entries, lastModified };
      this.snapshot = snapshot;
      return snapshot;
    });
    this.building = { key, promise };
    try {
      return await promise;
    } finally {
      if (this.building?.promise === promise) this.building = undefined;
    }
  }

  /** The entries the rule shows today, with their masked identifiers. */
  private async compute(today: string): Promise<Snapshot['entries']> {
    const rows = await this.repository.candidates(today);
    const histories = await this.listings.histories(rows.map((r) => r.id));
    const now = new Date().toISOString();
    const rulesByDate = new Map<string, RuleData>();
    const shown: { row: DisclosureCandidateRow; publicUntil: string | null }[] = [];
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
      if (disclosure.shown) shown.push({ row, publicUntil: disclosure.publicUntil });
    }
    const identifiers = group(
      await this.repository.identifiers([...new Set(shown.map((e) => e.row.subjectId))]),
    );
    return shown.map(({ row, publicUntil }) => ({
      entry: view(row, identifiers.get(row.subjectId) ?? [], publicUntil),
      subjectId: row.subjectId,
    }));
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

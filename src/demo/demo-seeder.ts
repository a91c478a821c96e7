import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Role, UserPrincipal } from '../auth/principal';
import { CaseCreateDto, MeasureInputDto } from '../cases/cases.dto';
import { CasesService } from '../cases/cases.service';
import { CaseSubjectRole, MISCONDUCT_TYPES } from '../cases/cases.types';
import { RequestContext } from '../common/request-context';
import { ListingsService } from '../listings/listings.service';
import { addDays, addMonths, Severity, todayIn } from '../rules/rules';
import { SubjectCreateDto } from '../subjects/subjects.dto';
import { SubjectsService } from '../subjects/subjects.service';
import { UsersService } from '../users/users.service';
import {
  AUTHORITIES,
  companyName,
  generator,
  Generator,
  instituteName,
  personName,
  residentId,
  universityName,
  uscc,
} from './demo-data';

/** Decision numbers of the demo set carry this mark, so it is recognised and never loaded twice. */
export const DEMO_MARK = '（演示）';

type CaseSubject = CaseCreateDto['subjects'][number];

function severityOf(g: Generator): Severity {
  const r = g.next();
  return r < 0.15 ? 'MINOR' : r < 0.5 ? 'SERIOUS' : r < 0.85 ? 'SEVERE' : 'ESPECIALLY_SEVERE';
}

function personMeasures(
  g: Generator,
  ref: string,
  severity: Severity,
  decisionDate: string,
): MeasureInputDto[] {
  if (severity === 'MINOR') return [{ subjectRef: ref, type: 'ADMONITION_TALK' }];
  if (severity === 'SERIOUS') {
    const years = g.int(1, 3);
    return [
      { subjectRef: ref, type: 'CRITICISM_NOTICE' },
      {
        subjectRef: ref,
        type: 'BAN_AWARD_TITLE_APPLICATION',
        startDate: decisionDate,
        endDate: addDays(addMonths(decisionDate, 12 * years), -1),
        domains: ['AWARD', 'TALENT_RECOMMENDATION'],
      },
    ];
  }
  const lifetime = severity === 'ESPECIALLY_SEVERE';
  const end = addDays(addMonths(decisionDate, 12 * g.int(3, 5)), -1);
  return [
    {
      subjectRef: ref,
      type: 'BAN_FUNDED_ACTIVITY',
      startDate: decisionDate,
      ...(lifetime ? { lifetime: true } : { endDate: end }),
      domains: ['PROJECT_FUNDING', 'PLATFORM_CONSTRUCTION'],
    },
    { subjectRef: ref, type: 'SERIOUS_DB_ENTRY', startDate: decisionDate, endDate: end },
  ];
}

function organisation(g: Generator): SubjectCreateDto {
  const make = g.pick([universityName, companyName, instituteName]);
  return { kind: 'LEGAL_PERSON', name: make(g), identifiers: [{ type: 'USCC', value: uscc(g) }] };
}

/**
 * Loads a realistic demo data set: three demo users, a few dozen decided cases naming synthetic
 * persons and organisations (valid identifiers), their measures, approved BLACK entries and a few
 * RED candidates. Everything goes through the services, so it is checked and audited like real data.
 */
export async function seedDemo(
  app: INestApplicationContext,
  out: (line: string) => void,
  cases = 36,
): Promise<void> {
  const dataSource = app.get(DataSource);
  const [seeded] = await dataSource.query(
    'SELECT 1 FROM misconduct_case WHERE decision_number LIKE $1 LIMIT 1',
    [`%${DEMO_MARK}`],
  );
  if (seeded) {
    out('the demo data set is already loaded');
    return;
  }
  const users = app.get(UsersService);
  const system: RequestContext = { requestId: 'seed:demo' };
  const ctxOf = (id: string, username: string, roles: Role[]): RequestContext => ({
    requestId: 'seed:demo',
    principal: { kind: 'USER', id, username, roles } satisfies UserPrincipal,
  });
  const made: Record<string, RequestContext> = {};
  for (const [username, role] of [
    ['demo.recorder', Role.RECORDER],
    ['demo.approver', Role.APPROVER],
    ['demo.reviewer', Role.REVIEWER],
  ] as const) {
    const password = randomBytes(9).toString('base64url');
    const user = await users.create(system, { username, displayName: username, password, roles: [role] });
    made[role] = ctxOf(user.id, username, [role]);
    out(`user ${username} (${role}) password: ${password}`);
  }
  const recorder = made[Role.RECORDER];
  const approver = made[Role.APPROVER];

  const g = generator(20261127);
  const casesService = app.get(CasesService);
  const listings = app.get(ListingsService);
  const today = todayIn();
  let approved = 0;
  for (let i = 0; i < cases; i++) {
    const authority = g.pick(AUTHORITIES);
    const decisionDate = addDays(today, -g.int(30, 6 * 365));
    const severity = severityOf(g);
    const shape = g.next();
    const subjects: CaseSubject[] = [];
    let measures: MeasureInputDto[];
    if (shape < 0.6) {
      const unit = organisation(g);
      subjects.push({ ref: 'unit', subject: unit, roles: ['IMPLEMENTING_UNIT'] as CaseSubjectRole[] });
      subjects.push({
        ref: 'lead',
        subject: {
          kind: 'NATURAL_PERSON',
          name: personName(g),
          organisation: unit.name,
          identifiers: [{ type: 'RESIDENT_ID', value: residentId(g) }],
        },
        roles: ['PROJECT_LEAD'],
      });
      measures = [
        { subjectRef: 'unit', type: 'CRITICISM_NOTICE' },
        ...personMeasures(g, 'lead', severity, decisionDate),
      ];
    } else if (shape < 0.8) {
      // Published decisions often give only "name, institution": a subject without identifier.
      subjects.push({
        ref: 'p',
        subject: { kind: 'NATURAL_PERSON', name: `${personName(g)}某`, organisation: universityName(g) },
        roles: ['RESEARCHER'],
      });
      measures = personMeasures(g, 'p', severity, decisionDate);
    } else {
      subjects.push({ ref: 'c', subject: organisation(g), roles: ['THIRD_PARTY_SERVICE'] });
      measures = [
        { subjectRef: 'c', type: 'WARNING' },
        ...(severity === 'MINOR' || severity === 'SERIOUS'
          ? []
          : [
              {
                subjectRef: 'c',
                type: 'SERIOUS_DB_ENTRY',
                startDate: decisionDate,
                endDate: addDays(addMonths(decisionDate, 36), -1),
              },
            ]),
      ];
    }
    const created = await casesService.create(recorder, {
      status: g.next() < 0.7 ? 'FINAL' : 'DECIDED',
      decisionNumber: `${authority.prefix}〔${decisionDate.slice(0, 4)}〕${i + 1}号${DEMO_MARK}`,
      authority: authority.name,
      decisionDate,
      misconductTypes: [g.pick(MISCONDUCT_TYPES)],
      severity,
      facts: '经调查核实，当事人在科研项目申报或实施中存在所列失信行为。（演示数据）',
      legalBasis: '《科研失信行为调查处理规则》',
      source: g.pick(['RANDOM_INSPECTION', 'COMPLAINT_REPORT', 'AUDIT', 'REFERRAL', 'MEDIA'] as const),
      subjects,
      measures,
    });
    for (const listingId of created.listingIds) {
      await listings.approve(approver, listingId);
      approved++;
    }
  }

  const subjects = app.get(SubjectsService);
  for (let i = 0; i < 3; i++) {
    const company = await subjects.create(recorder, organisation(g));
    await listings.propose(recorder, {
      subjectId: company.id,
      listType: 'RED',
      designationDocument: `守信激励对象名单第${i + 1}号${DEMO_MARK}`,
      effectiveFrom: addDays(today, 7),
      effectiveTo: addDays(addMonths(today, 36), 6),
    });
  }
  out(`loaded ${cases} decided cases, ${approved} approved BLACK entries and 3 RED candidates`);
}

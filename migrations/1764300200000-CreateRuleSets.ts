import { MigrationInterface, QueryRunner } from 'typeorm';

const ALL_DOMAINS = [
  'PROJECT_FUNDING',
  'TALENT_RECOMMENDATION',
  'PLATFORM_CONSTRUCTION',
  'HNTE_CERTIFICATION',
  'AWARD',
  'REVIEWER_SELECTION',
];
const FUNDED_ACTIVITY = ['PROJECT_FUNDING', 'PLATFORM_CONSTRUCTION', 'HNTE_CERTIFICATION'];

/**
 * Rule set version 1, the figures of DOMAIN.md as of this migration (sources and which are unverified:
 * docs/rules.md). Kept here, not imported from src/, because a migration is history: later versions are
 * new rows written through the API, never edits of this one. Exported so unit tests can check it.
 */
export const RULE_DATA_V1 = {
  reviewDomains: [
    {
      code: 'PROJECT_FUNDING',
      label: '科研计划项目补助/立项',
      description: 'may not apply for or undertake projects; subsidies cut or recovered',
    },
    {
      code: 'TALENT_RECOMMENDATION',
      label: '人才推荐、人才计划、职称',
      description: 'not recommended or selected',
    },
    {
      code: 'PLATFORM_CONSTRUCTION',
      label: '创新平台、基地建设与评估',
      description: 'not selected; evaluation affected',
    },
    {
      code: 'HNTE_CERTIFICATION',
      label: '高新技术企业认定、科技型中小企业评价',
      description: 'key supervision target; registration for the year revoked',
    },
    { code: 'AWARD', label: '科学技术奖提名、评审', description: 'not nominated or awarded' },
    {
      code: 'REVIEWER_SELECTION',
      label: '评审专家遴选',
      description: 'not engaged as a reviewer (NSFC 42: none while any sanction runs)',
    },
  ],
  measureTypes: [
    { code: 'ADMONITION_TALK', label: '科研诚信诫勉谈话', timing: 'NONE', isBar: false, allowedDomains: [] },
    {
      code: 'SUSPEND_AND_RECTIFY',
      label: '暂停财政性资金支持的科技活动，限期整改',
      timing: 'DEADLINE',
      isBar: true,
      allowedDomains: [...FUNDED_ACTIVITY],
    },
    { code: 'WARNING', label: '警告', timing: 'NONE', isBar: false, allowedDomains: [] },
    {
      code: 'CRITICISM_NOTICE',
      label: '通报批评（一定范围内或公开）',
      timing: 'NONE',
      isBar: false,
      allowedDomains: [],
    },
    {
      code: 'TERMINATE_REVOKE_PROJECT',
      label: '终止或撤销项目，追回已拨资金',
      timing: 'NONE',
      isBar: false,
      allowedDomains: [],
    },
    {
      code: 'BAN_FUNDED_ACTIVITY',
      label: '一定期限禁止承担或参与财政性资金支持的科技活动',
      timing: 'PERIOD_OR_LIFETIME',
      isBar: true,
      allowedDomains: [...FUNDED_ACTIVITY],
    },
    {
      code: 'BAN_MANAGEMENT_ROLE',
      label: '一定期限取消科技活动管理资格',
      timing: 'PERIOD',
      isBar: true,
      allowedDomains: ['PROJECT_FUNDING', 'PLATFORM_CONSTRUCTION'],
    },
    {
      code: 'REVOKE_AWARD',
      label: '撤销奖励、荣誉，追回证书和奖金',
      timing: 'NONE',
      isBar: false,
      allowedDomains: [],
    },
    {
      code: 'BAN_AWARD_TITLE_APPLICATION',
      label: '一定期限取消申报科技奖励、人才称号、职称晋升资格',
      timing: 'PERIOD',
      isBar: true,
      allowedDomains: ['AWARD', 'TALENT_RECOMMENDATION'],
    },
    {
      code: 'REVOKE_TITLES_MEMBERSHIP',
      label: '取消院士等称号、学会及学术委员会成员资格',
      timing: 'NONE',
      isBar: false,
      allowedDomains: [],
    },
    {
      code: 'BAN_NOMINATOR_REVIEWER',
      label: '一定期限取消提名人、被提名人、评审专家资格',
      timing: 'PERIOD_OR_LIFETIME',
      isBar: true,
      allowedDomains: ['AWARD', 'REVIEWER_SELECTION'],
    },
    {
      code: 'RESTRICT_SUPERVISOR',
      label: '减招、暂停招收研究生直至取消导师资格',
      timing: 'PERIOD',
      isBar: true,
      allowedDomains: ['TALENT_RECOMMENDATION'],
    },
    {
      code: 'DEGREE_ACTION',
      label: '暂缓授予、不授予、撤销学位',
      timing: 'NONE',
      isBar: false,
      allowedDomains: [],
    },
    {
      code: 'SERIOUS_DB_ENTRY',
      label: '记入科研诚信严重失信行为数据库',
      timing: 'PERIOD',
      isBar: false,
      allowedDomains: [],
      putsOnList: 'BLACK',
    },
    {
      code: 'REFER_DISCIPLINE_CRIMINAL',
      label: '移送纪检监察或司法机关',
      timing: 'NONE',
      isBar: false,
      allowedDomains: [],
    },
  ],
  blackListBarredDomains: [...ALL_DOMAINS],
  severityBands: [
    { scheme: 'R2022', severity: 'MINOR', minMonths: 0, maxMonths: 36, lifetime: false },
    { scheme: 'R2022', severity: 'SERIOUS', minMonths: 36, maxMonths: 60, lifetime: false },
    { scheme: 'R2022', severity: 'SEVERE', minMonths: 60, maxMonths: null, lifetime: false },
    { scheme: 'R2022', severity: 'ESPECIALLY_SEVERE', minMonths: 60, maxMonths: null, lifetime: true },
    { scheme: 'NSFC_APPLICANT', severity: 'SERIOUS', minMonths: 12, maxMonths: 36, lifetime: false },
    { scheme: 'NSFC_APPLICANT', severity: 'SEVERE', minMonths: 36, maxMonths: 60, lifetime: false },
    { scheme: 'NSFC_APPLICANT', severity: 'ESPECIALLY_SEVERE', minMonths: 0, maxMonths: 0, lifetime: true },
    { scheme: 'NSFC_PROJECT_LEAD', severity: 'SERIOUS', minMonths: 12, maxMonths: 60, lifetime: false },
    { scheme: 'NSFC_PROJECT_LEAD', severity: 'SEVERE', minMonths: 60, maxMonths: 84, lifetime: false },
    {
      scheme: 'NSFC_PROJECT_LEAD',
      severity: 'ESPECIALLY_SEVERE',
      minMonths: 0,
      maxMonths: 0,
      lifetime: true,
    },
    { scheme: 'NSFC_IMPLEMENTING_UNIT', severity: 'SERIOUS', minMonths: 12, maxMonths: 36, lifetime: false },
    { scheme: 'NSFC_IMPLEMENTING_UNIT', severity: 'SEVERE', minMonths: 36, maxMonths: 60, lifetime: false },
  ],
  publicity: {
    severityClass: {
      MINOR: 'NOT_PUBLISHED',
      SERIOUS: 'GENERAL',
      SEVERE: 'SERIOUS',
      ESPECIALLY_SEVERE: 'SERIOUS',
    },
    periods: { GENERAL: { minMonths: 3, maxMonths: 12 }, SERIOUS: { minMonths: 12, maxMonths: 36 } },
  },
  redObjectionPeriodDays: 7,
  objectionHandlingWorkingDays: 5,
  disclosureMaxYears: 5,
  procedure: {
    investigationMonths: 6,
    investigationExtensionMonths: 6,
    reviewRequestWorkingDays: 15,
    reviewDecisionWorkingDays: 90,
    appealWorkingDays: 15,
  },
};

/**
 * Versioned rule data: one row per version, never updated or deleted (a trigger refuses it); a new
 * version supersedes from its effective date. Seeds version 1 in force from 2000-01-01.
 */
export class CreateRuleSets1764300200000 implements MigrationInterface {
  name = 'CreateRuleSets1764300200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rule_set (
        version integer PRIMARY KEY CHECK (version > 0),
        effective_from date NOT NULL CHECK (effective_from >= DATE '2000-01-01'),
        data jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
        note text,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION rule_set_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'rule sets are append-only: % on % refused; create a new version instead', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER rule_set_no_update_delete BEFORE UPDATE OR DELETE ON rule_set
      FOR EACH ROW EXECUTE FUNCTION rule_set_refuse_change()`);
    await q.query(`CREATE TRIGGER rule_set_no_truncate BEFORE TRUNCATE ON rule_set
      FOR EACH STATEMENT EXECUTE FUNCTION rule_set_refuse_change()`);
    await q.query(
      `INSERT INTO rule_set (version, effective_from, data, note) VALUES (1, DATE '2000-01-01', $1::jsonb, $2)`,
      [
        JSON.stringify(RULE_DATA_V1),
        'Initial rule data from DOMAIN.md (STPL, NSFC, AWARD, R2022, MEMO, CR26); see docs/rules.md',
      ],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS rule_set');
    await q.query('DROP FUNCTION IF EXISTS rule_set_refuse_change()');
  }
}

// Labels of the codes this section shows that the shared i18n does not have (misconduct types,
// severities, sources, a subject's roles in a case, case and list-entry statuses, the import file's
// columns and row outcomes).
import { useI18n } from '../../i18n';

type Table = Record<string, { zh: string; en: string }>;

const GROUPS = {
  misconduct: {
    PLAGIARISM: { zh: '抄袭、剽窃、侵占他人研究成果', en: 'Plagiarism' },
    FABRICATION_FALSIFICATION: { zh: '编造、篡改研究数据或结论', en: 'Fabrication or falsification' },
    TRADING_GHOSTWRITING: { zh: '买卖、代写、代投论文', en: 'Trading or ghostwriting' },
    FRAUDULENT_ACQUISITION: { zh: '以弄虚作假方式获得科技计划项目、奖励等', en: 'Fraudulent acquisition' },
    ETHICS_APPROVAL_FRAUD: { zh: '伪造科技伦理审查批准文件', en: 'Forged ethics approval' },
    ETHICS_VIOLATION: { zh: '违反科技伦理规范', en: 'Ethics violation' },
    AUTHORSHIP_VIOLATION: { zh: '违规署名', en: 'Authorship violation' },
    PUBLICATION_VIOLATION: { zh: '违反论文发表规范', en: 'Publication violation' },
    REVIEW_MISCONDUCT: { zh: '评审中违规', en: 'Misconduct in review' },
    REVIEW_INTERFERENCE: { zh: '干扰评审、请托说情', en: 'Interfering with review' },
    FUNDS_MISUSE: { zh: '违规使用科研经费', en: 'Misuse of funds' },
    FALSE_REPORTING: { zh: '提供虚假材料、虚报成果', en: 'False reporting' },
    OTHER: { zh: '其他科研失信行为', en: 'Other' },
  },
  severity: {
    MINOR: { zh: '较轻', en: 'Minor' },
    SERIOUS: { zh: '较重', en: 'Serious' },
    SEVERE: { zh: '严重', en: 'Severe' },
    ESPECIALLY_SEVERE: { zh: '特别严重', en: 'Especially severe' },
  },
  source: {
    RANDOM_INSPECTION: { zh: '随机抽查', en: 'Random inspection' },
    COMPLAINT_REPORT: { zh: '投诉举报', en: 'Complaint' },
    AUDIT: { zh: '审计', en: 'Audit' },
    REFERRAL: { zh: '有关部门移送', en: 'Referral' },
    SELF_REPORT: { zh: '主动报告', en: 'Self-report' },
    MEDIA: { zh: '媒体报道', en: 'Media' },
  },
  caseRole: {
    RESEARCHER: { zh: '科研人员', en: 'Researcher' },
    PROJECT_LEAD: { zh: '项目负责人', en: 'Project lead' },
    IMPLEMENTING_UNIT: { zh: '项目承担单位', en: 'Implementing unit' },
    MGMT_AGENCY: { zh: '项目管理专业机构', en: 'Management agency' },
    REVIEW_EXPERT: { zh: '评审专家', en: 'Review expert' },
    THIRD_PARTY_SERVICE: { zh: '第三方科技服务机构', en: 'Third-party service' },
    AWARD_NOMINATOR: { zh: '奖励提名者', en: 'Award nominator' },
    SOCIETY: { zh: '学会', en: 'Society' },
    PRINCIPAL_PERSON: { zh: '法定代表人或主要负责人', en: 'Principal person' },
    DIRECT_RESPONSIBLE: { zh: '直接责任人', en: 'Directly responsible' },
  },
  caseStatus: {
    REPORTED: { zh: '已报告', en: 'Reported' },
    ACCEPTED: { zh: '已受理', en: 'Accepted' },
    INVESTIGATING: { zh: '调查中', en: 'Investigating' },
    DECIDED: { zh: '已作出决定', en: 'Decided' },
    REVIEW_REQUESTED: { zh: '复查中', en: 'Review requested' },
    APPEALED: { zh: '申诉中', en: 'Appealed' },
    FINAL: { zh: '决定已生效', en: 'Final' },
    DISMISSED: { zh: '不予处理', en: 'Dismissed' },
  },
  listingStatus: {
    PROPOSED: { zh: '待审批', en: 'Proposed' },
    ACTIVE: { zh: '已批准', en: 'Approved' },
    EXPIRED: { zh: '已期满', en: 'Expired' },
    REPAIRED: { zh: '已信用修复', en: 'Repaired' },
    REVOKED: { zh: '已撤销', en: 'Revoked' },
    REJECTED: { zh: '已驳回', en: 'Rejected' },
    CORRECTED: { zh: '日期已更正', en: 'Dates corrected' },
  },
  // The import file's columns (their keys, as the API's problems name them), with the template's headers.
  importColumn: {
    file: { zh: '文件', en: 'File' },
    decisionNumber: { zh: '决定文号', en: 'Decision number' },
    authority: { zh: '决定机关', en: 'Authority' },
    decisionDate: { zh: '决定日期', en: 'Decision date' },
    status: { zh: '案件状态', en: 'Case status' },
    severity: { zh: '情节', en: 'Severity' },
    misconductTypes: { zh: '失信行为类型', en: 'Misconduct types' },
    source: { zh: '线索来源', en: 'Source' },
    facts: { zh: '事实', en: 'Facts' },
    legalBasis: { zh: '处理依据', en: 'Legal basis' },
    aggravating: { zh: '从重情节', en: 'Aggravating factors' },
    mitigating: { zh: '从轻情节', en: 'Mitigating factors' },
    kind: { zh: '主体类型', en: 'Kind' },
    name: { zh: '姓名/名称', en: 'Name' },
    organisation: { zh: '工作单位', en: 'Organisation' },
    idType: { zh: '证件类型', en: 'ID type' },
    idNumber: { zh: '证件号码', en: 'ID number' },
    country: { zh: '签发国家', en: 'Issuing country' },
    formerNames: { zh: '曾用名', en: 'Former names' },
    roles: { zh: '主体角色', en: 'Roles' },
    measureType: { zh: '处理措施', en: 'Measure' },
    measureStart: { zh: '措施开始日期', en: 'Measure start' },
    measureEnd: { zh: '措施结束日期', en: 'Measure end' },
    lifetime: { zh: '终身', en: 'Lifetime' },
    domains: { zh: '限制领域', en: 'Domains' },
    measureNote: { zh: '措施说明', en: 'Measure note' },
  },
  importOutcome: {
    NEW: { zh: '新增', en: 'New' },
    UNCHANGED: { zh: '已存在，未变', en: 'Unchanged' },
    INVALID: { zh: '有问题', en: 'Invalid' },
  },
} satisfies Record<string, Table>;

export type RecordsCodeGroup = keyof typeof GROUPS;

export const MISCONDUCT_TYPES = Object.keys(GROUPS.misconduct);
export const SEVERITIES = Object.keys(GROUPS.severity);
export const SOURCES = Object.keys(GROUPS.source);
export const CASE_ROLES = Object.keys(GROUPS.caseRole);

/** The label of a code of this section, in the console's language; the code itself when unknown. */
export function useCodeLabel(): (group: RecordsCodeGroup, code: string | null | undefined) => string {
  const { lang } = useI18n();
  return (group, code) => {
    if (!code) return '';
    const found = (GROUPS[group] as Table)[code];
    return found ? (lang === 'en' ? found.en : found.zh) : code;
  };
}

/** A nullable string field of a generated type (typed `{ [key: string]: unknown } | null`). */
export const text = (value: unknown): string => (typeof value === 'string' ? value : '');

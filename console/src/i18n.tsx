// Every string the console shows, in Chinese (the default) and English. The choice is kept in
// localStorage; antd's and dayjs's locales follow it.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';

const zh = {
  appTitle: '科研诚信红黑名单管理系统',
  appShort: '科研诚信名单',
  language: '语言',
  langName: 'English',
  langSwitchLabel: '切换到英文',
  login: '登录',
  loginTitle: '登录',
  username: '用户名',
  password: '密码',
  usernameRequired: '请输入用户名',
  passwordRequired: '请输入密码',
  loginFailed: '登录失败',
  logout: '退出登录',
  changePassword: '修改密码',
  currentPassword: '当前密码',
  newPassword: '新密码',
  confirmPassword: '确认新密码',
  passwordMismatch: '两次输入的新密码不一致',
  passwordMin: '新密码至少 12 个字符',
  passwordChanged: '密码已修改',
  ok: '确定',
  cancel: '取消',
  roles: '角色',
  menuOverview: '概览',
  menuChecks: '核查',
  menuCheckNew: '单个核查',
  menuJobNew: '批量核查',
  menuCases: '案件',
  menuListings: '名单',
  menuApprovals: '审批',
  menuAdmin: '管理',
  menuAudit: '审计',
  home: '首页',
  welcome: '欢迎使用',
  noFunctions: '您的角色目前没有可用的功能。',
  loading: '加载中…',
  errorTitle: '出错了',
  notFound: '页面不存在',
  // Checks
  checkNewTitle: '单个核查',
  checkParams: '核查条件',
  applicant: '申请人',
  domain: '评审领域',
  purpose: '核查目的',
  purposeRequired: '请填写核查目的（记入审计日志）',
  purposeHelp: '例如：2027年度重点研发计划项目申报资格审查',
  reference: '项目或批次编号',
  asOf: '核查日期',
  asOfHelp: '有效时间：按法律在该日是否适用判断（中国日历）',
  advanced: '高级选项',
  knownAt: '已知时间（北京时间）',
  knownAtHelp: '记录时间：按登记系统在该时刻已记录的数据作答；不填为现在',
  lookbackYears: '回溯年限（近N年无科研失信记录）',
  kind: '主体类型',
  name: '姓名或名称',
  nameRequired: '请填写姓名或名称',
  organisation: '单位',
  idType: '证件类型',
  idValue: '证件号码',
  issuingCountry: '签发国家（ISO 代码，如 US）',
  countryRequired: '护照或其他证件须填写签发国家',
  submitCheck: '核查',
  checkFailed: '核查未完成',
  result: '核查结果',
  incentive: '守信激励（绿色通道）',
  designationDocument: '认定文件',
  underObjection: '异议处理中',
  underObjectionYes: '有记录处于异议处理中，仍予以计入',
  evidence: '依据',
  noEvidence: '未发现相关记录',
  evidenceKind: '类别',
  decisionNumber: '决定文号',
  authority: '作出机关',
  decisionDate: '决定日期',
  measureType: '处理措施',
  listType: '名单类型',
  period: '期限',
  lifetime: '终身',
  openEnded: '不定期',
  effect: '效力',
  match: '匹配方式',
  subject: '责任主体',
  reason: '说明',
  yes: '是',
  no: '否',
  ruleVersion: '规则版本',
  receiptId: '回执编号',
  viewReceipt: '查看回执',
  checkedAt: '核查时间',
  print: '打印',
  certificate: '下载证书',
  downloadCertificates: '下载全部证书（ZIP）',
  receiptTitle: '核查回执',
  receiptLookup: '按回执编号查询',
  receiptLookupPlaceholder: '输入回执编号',
  receiptLookupButton: '查询',
  invalidId: '编号格式不正确',
  actor: '核查人',
  inputHashes: '输入摘要数',
  answerHash: '结果摘要（SHA-256）',
  counts: '统计',
  row: '第 {n} 位',
  rowError: '错误',
  // Jobs
  jobNewTitle: '批量核查',
  jobSource: '名单来源',
  jobUpload: '上传文件',
  jobPaste: '粘贴名单',
  jobFile: 'CSV 或 XLSX 文件（最多 100,000 人，20 MB）',
  jobFileChoose: '选择文件',
  jobFileRequired: '请选择文件',
  jobPasteLabel: '名单（每行一人：姓名,证件号码）',
  jobPasteHelp: '每行一位申请人，姓名与证件号码之间用逗号或制表符分隔；证件号码可不填。',
  jobPasteRequired: '请粘贴至少一行名单',
  jobSubmit: '提交批量核查',
  jobTitle: '批量核查任务',
  jobStatus: '状态',
  jobProgress: '进度',
  jobRows: '已完成 {done} / {total} 人',
  jobFileName: '文件',
  jobCreatedAt: '提交时间',
  jobFinishedAt: '完成时间',
  jobError: '失败原因',
  jobChecks: '分段回执',
  downloadCsv: '下载结果（CSV）',
  downloadXlsx: '下载结果（XLSX）',
  newJob: '新的批量核查',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  appTitle: 'Research Integrity Registry',
  appShort: 'Integrity Registry',
  language: 'Language',
  langName: '中文',
  langSwitchLabel: 'Switch to Chinese',
  login: 'Log in',
  loginTitle: 'Log in',
  username: 'Username',
  password: 'Password',
  usernameRequired: 'Enter your username',
  passwordRequired: 'Enter your password',
  loginFailed: 'Login failed',
  logout: 'Log out',
  changePassword: 'Change password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  confirmPassword: 'Confirm new password',
  passwordMismatch: 'The new passwords differ',
  passwordMin: 'At least 12 characters',
  passwordChanged: 'Password changed',
  ok: 'OK',
  cancel: 'Cancel',
  roles: 'Roles',
  menuChecks: 'Checks',
  menuCheckNew: 'Single check',
  menuOverview: 'Overview',
  menuJobNew: 'Batch check',
  menuCases: 'Cases',
  menuListings: 'Lists',
  menuApprovals: 'Approvals',
  menuAdmin: 'Administration',
  menuAudit: 'Audit',
  home: 'Home',
  welcome: 'Welcome',
  noFunctions: 'Your roles have no functions here yet.',
  loading: 'Loading…',
  errorTitle: 'Something went wrong',
  notFound: 'No such page',
  checkNewTitle: 'Single check',
  checkParams: 'Check',
  applicant: 'Applicant',
  domain: 'Review domain',
  purpose: 'Purpose',
  purposeRequired: 'State the purpose (it goes to the audit trail)',
  purposeHelp: 'E.g. 2027 key R&D call, eligibility',
  reference: 'Call or batch number',
  asOf: 'As of',
  asOfHelp: 'Valid time: whether records apply in law on that day (China calendar)',
  advanced: 'Advanced',
  knownAt: 'Known at (Beijing time)',
  knownAtHelp: 'Recorded time: answer from what the registry had recorded by then; empty: now',
  lookbackYears: 'Look-back years',
  kind: 'Kind',
  name: 'Name',
  nameRequired: 'Enter the name',
  organisation: 'Organisation',
  idType: 'ID type',
  idValue: 'ID number',
  issuingCountry: 'Issuing country (ISO code, e.g. US)',
  countryRequired: 'A passport or other ID needs its issuing country',
  submitCheck: 'Check',
  checkFailed: 'The check did not run',
  result: 'Result',
  incentive: 'Incentive (green channel)',
  designationDocument: 'Designation',
  underObjection: 'Under objection',
  underObjectionYes: 'A record that counted is under objection; it counts all the same',
  evidence: 'Evidence',
  noEvidence: 'No record found',
  evidenceKind: 'Kind',
  decisionNumber: 'Decision number',
  authority: 'Authority',
  decisionDate: 'Decision date',
  measureType: 'Measure',
  listType: 'List',
  period: 'Period',
  lifetime: 'Lifetime',
  openEnded: 'Open-ended',
  effect: 'Effect',
  match: 'Match',
  subject: 'Subject',
  reason: 'Reason',
  yes: 'Yes',
  no: 'No',
  ruleVersion: 'Rule version',
  receiptId: 'Receipt',
  viewReceipt: 'View receipt',
  checkedAt: 'Checked at',
  print: 'Print',
  certificate: 'Certificate (PDF)',
  downloadCertificates: 'All certificates (ZIP)',
  receiptTitle: 'Check receipt',
  receiptLookup: 'Find a receipt',
  receiptLookupPlaceholder: 'Receipt id',
  receiptLookupButton: 'Find',
  invalidId: 'Not a valid id',
  actor: 'Checked by',
  inputHashes: 'Input hashes',
  answerHash: 'Answer hash (SHA-256)',
  counts: 'Counts',
  row: 'Applicant {n}',
  rowError: 'Error',
  jobNewTitle: 'Batch check',
  jobSource: 'List',
  jobUpload: 'Upload a file',
  jobPaste: 'Paste a list',
  jobFile: 'CSV or XLSX file (up to 100,000 applicants, 20 MB)',
  jobFileChoose: 'Choose a file',
  jobFileRequired: 'Choose a file',
  jobPasteLabel: 'List (one a line: name,ID number)',
  jobPasteHelp:
    'One applicant a line, name and ID number separated by a comma or a tab; the ID may be left out.',
  jobPasteRequired: 'Paste at least one line',
  jobSubmit: 'Submit',
  jobTitle: 'Check job',
  jobStatus: 'Status',
  jobProgress: 'Progress',
  jobRows: '{done} of {total} done',
  jobFileName: 'File',
  jobCreatedAt: 'Submitted',
  jobFinishedAt: 'Finished',
  jobError: 'Why it failed',
  jobChecks: 'Receipts of its parts',
  downloadCsv: 'Download results (CSV)',
  downloadXlsx: 'Download results (XLSX)',
  newJob: 'New batch check',
};

/** Labels of the API's codes, per language. */
const codes: Record<Lang, Record<string, Record<string, string>>> = {
  'zh-CN': {
    verdict: { BLOCK: '不得参与', REVIEW: '需人工核查', CLEAR: '未发现限制', ERROR: '错误' },
    evidenceKind: { MEASURE: '措施', LISTING: '名单', CASE: '案件' },
    listType: { BLACK: '严重失信名单（黑名单）', WATCH: '重点关注名单', RED: '守信激励名单（红名单）' },
    effect: { BLOCK: '不得参与', REVIEW: '需人工核查', INCENTIVE: '守信激励' },
    match: {
      IDENTIFIER: '证件号码一致',
      NAME_ORGANISATION: '姓名与单位一致（可能匹配）',
      NAME_CONFLICTING_IDENTIFIER: '姓名一致但证件号码不同',
    },
    kind: { NATURAL_PERSON: '自然人', LEGAL_PERSON: '法人', UNINCORPORATED_ORG: '非法人组织' },
    idType: { RESIDENT_ID: '居民身份证', USCC: '统一社会信用代码', PASSPORT: '护照', OTHER: '其他' },
    role: { ADMIN: '管理员', RECORDER: '录入员', APPROVER: '审批人', REVIEWER: '核查员', AUDITOR: '审计员' },
    jobStatus: { QUEUED: '排队中', RUNNING: '进行中', DONE: '已完成', FAILED: '失败' },
  },
  en: {
    verdict: {
      BLOCK: 'Not eligible',
      REVIEW: 'Manual review',
      CLEAR: 'No restriction found',
      ERROR: 'Error',
    },
    evidenceKind: { MEASURE: 'Measure', LISTING: 'List entry', CASE: 'Case' },
    listType: { BLACK: 'Black list', WATCH: 'Watch list', RED: 'Red list' },
    effect: { BLOCK: 'Blocks', REVIEW: 'Review', INCENTIVE: 'Incentive' },
    match: {
      IDENTIFIER: 'Same ID number',
      NAME_ORGANISATION: 'Same name and organisation (possible match)',
      NAME_CONFLICTING_IDENTIFIER: 'Same name, different ID number',
    },
    kind: {
      NATURAL_PERSON: 'Natural person',
      LEGAL_PERSON: 'Legal person',
      UNINCORPORATED_ORG: 'Unincorporated org.',
    },
    idType: {
      RESIDENT_ID: 'Resident ID',
      USCC: 'Unified social credit code',
      PASSPORT: 'Passport',
      OTHER: 'Other',
    },
    role: {
      ADMIN: 'Admin',
      RECORDER: 'Recorder',
      APPROVER: 'Approver',
      REVIEWER: 'Reviewer',
      AUDITOR: 'Auditor',
    },
    jobStatus: { QUEUED: 'Queued', RUNNING: 'Running', DONE: 'Done', FAILED: 'Failed' },
  },
};

export type Lang = 'zh-CN' | 'en';
export type CodeGroup = keyof (typeof codes)['zh-CN'];
const LANG_KEY = 'registry.lang';

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  /** A UI string; `{name}` placeholders are filled from `vars`. */
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** The label of an API code (verdict, list type…), or the code itself when unknown. */
  label(group: CodeGroup, code: string | null | undefined): string;
}

const I18nContext = createContext<I18n | null>(null);

function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = (lang === 'en' ? en : zh).appTitle;
    dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const messages: Record<MessageKey, string> = lang === 'en' ? en : zh;
    return {
      lang,
      setLang,
      t: (key, vars) =>
        messages[key].replace(/\{(\w+)\}/g, (whole, name: string) => String(vars?.[name] ?? whole)),
      label: (group, code) => (code ? (codes[lang][group][code] ?? code) : ''),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

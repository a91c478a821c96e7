// The audit section's own strings, Chinese first, and the labels of the audit trail's codes.
import type { SectionMessages } from '../types';

export const messages: SectionMessages<
  | 'menuTrail'
  | 'title'
  | 'intro'
  | 'filters'
  | 'action'
  | 'actionHelp'
  | 'actorId'
  | 'targetType'
  | 'targetId'
  | 'from'
  | 'to'
  | 'search'
  | 'reset'
  | 'seq'
  | 'at'
  | 'actor'
  | 'target'
  | 'purpose'
  | 'requestId'
  | 'changes'
  | 'noChanges'
  | 'seal'
  | 'sealPosition'
  | 'sealHash'
  | 'sealPrevHash'
  | 'notSealed'
  | 'loadMore'
  | 'shown'
  | 'exportNdjson'
  | 'exportCsv'
  | 'chain'
  | 'verify'
  | 'verifyOk'
  | 'verifyOkText'
  | 'verifyPending'
  | 'verifyBroken'
  | 'verifyBrokenText'
  | 'head'
  | 'headPosition'
  | 'headSeq'
  | 'headHash'
  | 'headSealedAt'
  | 'headNone'
  | 'headHelp'
  | 'badDates'
> = {
  zh: {
    menuTrail: '审计日志',
    title: '审计日志',
    intro: '所有变更、登录和核查均记入只可追加、以哈希链接的审计日志。时间为北京时间。',
    filters: '筛选条件',
    action: '操作',
    actionHelp: '输入操作代码或从列表中选择，如 CHECK_RUN',
    actorId: '操作者编号（用户或接口客户端）',
    targetType: '对象类型',
    targetId: '对象编号',
    from: '起始日期（含）',
    to: '截止日期（含）',
    search: '查询',
    reset: '清除条件',
    seq: '序号',
    at: '记录时间（北京时间）',
    actor: '操作者',
    target: '对象',
    purpose: '目的',
    requestId: '请求编号',
    changes: '变更内容',
    noChanges: '无变更内容',
    seal: '链节',
    sealPosition: '链节位置',
    sealHash: '哈希',
    sealPrevHash: '前一哈希',
    notSealed: '尚未封存（封存通常在数百毫秒内完成）',
    loadMore: '加载更早的记录',
    shown: '已显示 {n} 条',
    exportNdjson: '导出 NDJSON',
    exportCsv: '导出 CSV',
    chain: '审计链',
    verify: '校验审计链',
    verifyOk: '审计链完整',
    verifyOkText: '已校验 {n} 条已封存记录，全部一致。',
    verifyPending: '另有 {n} 条记录尚未封存，未计入本次校验。',
    verifyBroken: '审计链断裂',
    verifyBrokenText: '已校验 {n} 条记录；第一个断点位于链节 {position}（序号 {seq}）：{reason}。',
    head: '链头',
    headPosition: '链节位置',
    headSeq: '记录序号',
    headHash: '哈希（SHA-256）',
    headSealedAt: '封存时间',
    headNone: '尚无已封存的记录',
    headHelp: '请定期将链头的位置与哈希记录在数据库之外（签发的报告、工单或其他系统），以便比对。',
    badDates: '截止日期不能早于起始日期',
  },
  en: {
    menuTrail: 'Audit trail',
    title: 'Audit trail',
    intro:
      'Every change, login and check is recorded in an append-only, hash-chained trail. Times are Beijing time.',
    filters: 'Filters',
    action: 'Action',
    actionHelp: 'Type an action code or pick one, e.g. CHECK_RUN',
    actorId: 'Actor id (user or API client)',
    targetType: 'Target type',
    targetId: 'Target id',
    from: 'From (inclusive)',
    to: 'To (inclusive)',
    search: 'Search',
    reset: 'Clear',
    seq: 'Seq',
    at: 'Recorded (Beijing time)',
    actor: 'Actor',
    target: 'Target',
    purpose: 'Purpose',
    requestId: 'Request id',
    changes: 'Changes',
    noChanges: 'No changes recorded',
    seal: 'Link',
    sealPosition: 'Position',
    sealHash: 'Hash',
    sealPrevHash: 'Previous hash',
    notSealed: 'Not sealed yet (usually within a few hundred milliseconds)',
    loadMore: 'Load older entries',
    shown: '{n} shown',
    exportNdjson: 'Export NDJSON',
    exportCsv: 'Export CSV',
    chain: 'Audit chain',
    verify: 'Verify the chain',
    verifyOk: 'The chain holds',
    verifyOkText: 'All {n} sealed entries verified.',
    verifyPending: '{n} more entries are not sealed yet and were not part of this verification.',
    verifyBroken: 'The chain is broken',
    verifyBrokenText: '{n} links hold; the first break is at position {position} (seq {seq}): {reason}.',
    head: 'Head',
    headPosition: 'Position',
    headSeq: 'Seq',
    headHash: 'Hash (SHA-256)',
    headSealedAt: 'Sealed at',
    headNone: 'Nothing sealed yet',
    headHelp:
      'Record the head (position and hash) outside the database from time to time — a signed report, a ticket, another system — and compare.',
    badDates: 'The end date is before the start date',
  },
};

type Labels = { zh: Record<string, string>; en: Record<string, string> };

/** Actions of the audit trail; an unknown code is shown as it is. */
export const ACTION_LABELS: Labels = {
  zh: {
    CASE_RECORDED: '登记案件',
    CASE_MEASURES_ADDED: '增加处理措施',
    CASE_STATUS_CHANGED: '变更案件状态',
    MEASURE_RECORDED: '登记处理措施',
    LISTING_PROPOSED: '提出列入',
    LISTING_APPROVED: '批准列入',
    LISTING_REJECTED: '不予列入',
    LISTING_REVOKED: '撤销',
    LISTING_CORRECTED: '更正日期',
    LISTING_REPAIRED: '信用修复',
    LISTING_ENDED: '名单期满',
    OBJECTION_RAISED: '提出异议',
    OBJECTION_UPHELD: '异议成立',
    OBJECTION_REJECTED: '异议不成立',
    REPAIR_REQUESTED: '申请信用修复',
    REPAIR_REFUSED: '不予信用修复',
    CHECK_RUN: '核查',
    CHECK_READ: '查看回执',
    CHECK_JOB_CREATED: '提交批量核查',
    SUBJECT_CREATED: '登记主体',
    SUBJECT_UPDATED: '修改主体',
    SUBJECT_READ: '查看主体',
    SUBJECT_SEARCHED: '查询主体',
    SUBJECT_IDENTIFIERS_ADDED: '增加证件',
    SUBJECT_IDENTIFIERS_REVEALED: '查看完整证件号码',
    RULE_SET_CREATED: '发布规则版本',
    AUTH_LOGIN: '登录',
    AUTH_LOGIN_FAILED: '登录失败',
    AUTH_LOGIN_REFUSED_LOCKED: '登录被拒（账户锁定）',
    AUTH_LOCKED: '账户锁定',
    AUTH_LOGOUT: '退出登录',
    AUTH_REFRESH_REUSED: '刷新令牌被重复使用',
    USER_CREATED: '创建用户',
    USER_DELETED: '删除用户',
    USER_DISABLED: '停用用户',
    USER_ENABLED: '启用用户',
    USER_ROLES_CHANGED: '变更角色',
    USER_PASSWORD_CHANGED: '修改密码',
    API_CLIENT_CREATED: '创建接口客户端',
    API_CLIENT_REVOKED: '吊销接口客户端',
  },
  en: {
    CASE_RECORDED: 'Case recorded',
    CASE_MEASURES_ADDED: 'Measures added',
    CASE_STATUS_CHANGED: 'Case status changed',
    MEASURE_RECORDED: 'Measure recorded',
    LISTING_PROPOSED: 'Listing proposed',
    LISTING_APPROVED: 'Listing approved',
    LISTING_REJECTED: 'Listing rejected',
    LISTING_REVOKED: 'Listing revoked',
    LISTING_CORRECTED: 'Dates corrected',
    LISTING_REPAIRED: 'Credit repaired',
    LISTING_ENDED: 'Listing ended',
    OBJECTION_RAISED: 'Objection raised',
    OBJECTION_UPHELD: 'Objection upheld',
    OBJECTION_REJECTED: 'Objection rejected',
    REPAIR_REQUESTED: 'Repair requested',
    REPAIR_REFUSED: 'Repair refused',
    CHECK_RUN: 'Check',
    CHECK_READ: 'Receipt read',
    CHECK_JOB_CREATED: 'Batch check submitted',
    SUBJECT_CREATED: 'Subject recorded',
    SUBJECT_UPDATED: 'Subject updated',
    SUBJECT_READ: 'Subject read',
    SUBJECT_SEARCHED: 'Subjects searched',
    SUBJECT_IDENTIFIERS_ADDED: 'Identifiers added',
    SUBJECT_IDENTIFIERS_REVEALED: 'Full identifiers read',
    RULE_SET_CREATED: 'Rule set published',
    AUTH_LOGIN: 'Login',
    AUTH_LOGIN_FAILED: 'Failed login',
    AUTH_LOGIN_REFUSED_LOCKED: 'Login refused (locked)',
    AUTH_LOCKED: 'Account locked',
    AUTH_LOGOUT: 'Logout',
    AUTH_REFRESH_REUSED: 'Refresh token reused',
    USER_CREATED: 'User created',
    USER_DELETED: 'User deleted',
    USER_DISABLED: 'User disabled',
    USER_ENABLED: 'User enabled',
    USER_ROLES_CHANGED: 'Roles changed',
    USER_PASSWORD_CHANGED: 'Password changed',
    API_CLIENT_CREATED: 'API client created',
    API_CLIENT_REVOKED: 'API client revoked',
  },
};

export const ACTOR_TYPE_LABELS: Labels = {
  zh: { USER: '用户', API_CLIENT: '接口客户端', SYSTEM: '系统', ANONYMOUS: '匿名' },
  en: { USER: 'User', API_CLIENT: 'API client', SYSTEM: 'System', ANONYMOUS: 'Anonymous' },
};

export const TARGET_TYPE_LABELS: Labels = {
  zh: {
    USER: '用户',
    API_CLIENT: '接口客户端',
    SUBJECT: '主体',
    CASE: '案件',
    LISTING: '名单记录',
    CHECK: '核查',
    CHECK_JOB: '批量核查',
    RULE_SET: '规则版本',
  },
  en: {
    USER: 'User',
    API_CLIENT: 'API client',
    SUBJECT: 'Subject',
    CASE: 'Case',
    LISTING: 'List entry',
    CHECK: 'Check',
    CHECK_JOB: 'Batch check',
    RULE_SET: 'Rule set',
  },
};

export const BREAK_LABELS: Labels = {
  zh: {
    HASH_MISMATCH: '记录或其哈希在封存后被修改',
    PREV_HASH_MISMATCH: '与前一链节的链接被修改',
    POSITION_GAP: '有链节被删除',
  },
  en: {
    HASH_MISMATCH: 'the entry or its hash was altered after sealing',
    PREV_HASH_MISMATCH: 'a link to its predecessor was altered',
    POSITION_GAP: 'a link was removed',
  },
};

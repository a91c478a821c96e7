import { orgCodeCheckChar, residentIdCheckChar, uscCheckChar } from '../identifiers/identifiers';

/** A small deterministic generator (mulberry32), so every demo data set is the same. */
export function generator(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  return { next, int, pick };
}

export type Generator = ReturnType<typeof generator>;

export const AREAS = [
  '110105',
  '110108',
  '310104',
  '320102',
  '330106',
  '420111',
  '440305',
  '510107',
  '610113',
  '350102',
];
const USCC_BODY = '0123456789';

/** A synthetic resident ID with a valid birth date and check character. */
export function residentId(g: Generator): string {
  const year = g.int(1955, 1995);
  const month = String(g.int(1, 12)).padStart(2, '0');
  const day = String(g.int(1, 28)).padStart(2, '0');
  const first17 = `${g.pick(AREAS)}${year}${month}${day}${String(g.int(0, 999)).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
}

/** A synthetic USCC: registration office 9 (industry and commerce), type 1, an area, an organisation code. */
export function uscc(g: Generator): string {
  const body = Array.from({ length: 8 }, () => USCC_BODY[g.int(0, 9)]).join('');
  const first17 = `91${g.pick(AREAS)}${body}${orgCodeCheckChar(body)}`;
  return first17 + uscCheckChar(first17);
}

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
];
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '磊',
  '洋',
  '勇',
  '艳',
  '杰',
  '涛',
  '明',
  '超',
  '秀英',
  '建华',
  '志强',
  '海燕',
  '晓东',
];
const PLACES = ['东海', '南山', '西岭', '北辰', '江城', '临川', '云溪', '青岚', '长亭', '明湖'];
const UNIVERSITY = ['理工大学', '师范大学', '医科大学', '农业大学', '科技大学'];
export const COMPANY = [
  '生物科技有限公司',
  '新材料股份有限公司',
  '信息技术有限公司',
  '医疗器械有限公司',
  '智能装备有限公司',
];
const INSTITUTE = ['研究院', '研究所', '检测中心'];

export const personName = (g: Generator) => g.pick(SURNAMES) + g.pick(GIVEN);
export const universityName = (g: Generator) => g.pick(PLACES) + g.pick(UNIVERSITY);
export const companyName = (g: Generator) => g.pick(PLACES) + g.pick(COMPANY);
export const instituteName = (g: Generator) =>
  `${g.pick(PLACES)}${g.pick(['材料', '生命科学', '信息', '能源'])}${g.pick(INSTITUTE)}`;

export const AUTHORITIES = [
  { name: '国家自然科学基金委员会', prefix: '国科金监处' },
  { name: '某省科学技术厅', prefix: '某科监' },
  { name: '某市科学技术局', prefix: '某市科' },
  { name: '科学技术部', prefix: '国科监' },
];

import fc from 'fast-check';
import { nameKey } from './name-key';

describe('nameKey', () => {
  it.each([
    ['某某大学（北京）', '某某大学(北京)'],
    ['某某大学（北京）', '某某大学 北京'],
    ['ＡＢＣ科技有限公司', 'abc科技有限公司'],
    ['张 三', '张三'],
    ['Zhang·San', 'zhang san'],
    ['北京某某研究院，有限公司。', '北京某某研究院有限公司'],
  ])('%s matches %s', (a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
  });

  it('keeps different names apart', () => {
    expect(nameKey('张三')).not.toBe(nameKey('张四'));
  });

  it('is idempotent (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(nameKey(nameKey(s))).toBe(nameKey(s))));
  });
});

import fc from 'fast-check';
import { hasLetterOrDigit, nameKey } from './name-key';

describe('nameKey', () => {
  it.each([
    ['某某大学（北京）', '某某大学(北京)'],
    ['某某大学（北京）', '某某大学 北京'],
    ['ＡＢＣ科技有限公司', 'abc科技有限公司'],
    ['张 三', '张三'],
    ['Zhang·San', 'zhang san'],
    ['北京某某研究院，有限公司。', '北京某某研究院有限公司'],
    ['张\u200b三', '张三'],
    ['\ufeff张\u2060三\u200d', '张 三'],
    ['Zhang\u00adSan\u200e', 'zhangsan'],
  ])('%s matches %s', (a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
  });

  it('keeps different names apart', () => {
    expect(nameKey('张三')).not.toBe(nameKey('张四'));
  });

  it('gives a name of invisible characters alone an empty key', () => {
    expect(nameKey('\u200b\u200c\u200d\u2060\ufeff\u202e')).toBe('');
  });

  it('is idempotent (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(nameKey(nameKey(s))).toBe(nameKey(s))));
  });
});

describe('hasLetterOrDigit', () => {
  it.each(['张三', 'a', '7', 'Ａ', '①', '🄐'])('holds for %j', (name) => {
    expect(hasLetterOrDigit(name)).toBe(true);
  });

  it.each(['%', '_', '\\', '——', ' · ', '\u200b', ''])('fails for %j', (name) => {
    expect(hasLetterOrDigit(name)).toBe(false);
  });

  it('holds exactly when the key keeps a letter or a digit (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(
            fc.constantFrom('🄐', '㈠', '\u200b', '%'),
            fc.string({ unit: 'grapheme', maxLength: 1 }),
          ),
        }),
        (s) => expect(hasLetterOrDigit(s)).toBe(/[\p{L}\p{N}]/u.test(nameKey(s))),
      ),
    );
  });
});

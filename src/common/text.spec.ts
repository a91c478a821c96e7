import { textProblem } from './text';

describe('textProblem', () => {
  it('names the first string PostgreSQL would refuse, by its dotted path, keys included', () => {
    expect(textProblem({ applicants: [{ name: '张三' }, { name: 'a\u0000b' }] })).toEqual({
      field: 'applicants.1.name',
      code: 'NUL_CHARACTER',
      message: 'applicants.1.name must not contain NUL characters',
    });
    expect(textProblem({ criteria: { 'x\udfff': 1 } })).toMatchObject({
      field: 'criteria.x\udfff',
      code: 'INVALID_UNICODE',
    });
    expect(textProblem('\ud83d', 'authority')).toMatchObject({ field: 'authority', code: 'INVALID_UNICODE' });
    expect(textProblem('\u0000')).toMatchObject({
      field: '',
      message: 'the value must not contain NUL characters',
    });
  });

  it('passes whole surrogate pairs, other control characters and non-strings', () => {
    expect(textProblem({ name: '😀\u0001\t', n: 1, b: true, z: null, list: ['王五', 2] })).toBeUndefined();
    expect(textProblem(undefined)).toBeUndefined();
  });
});

import { HttpException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { AppError, CommonErrorCode } from './app-error';
import { resolveError } from './error.filter';
import { flattenValidationErrors } from './validation';

describe('resolveError', () => {
  it('puts the fields of an AppError about a part of the request under that part (within)', () => {
    const error = new AppError(400, 'CASE_SUBJECT_NOT_FOUND', 'no such subject', [
      { field: 'subjects.0.subjectId', code: 'CASE_SUBJECT_NOT_FOUND', message: 'no such subject' },
      { code: 'OTHER', message: 'about the whole case' },
    ]);
    const within = error.within('case');
    expect(within).toBeInstanceOf(AppError);
    expect(within).toMatchObject({ status: 400, code: 'CASE_SUBJECT_NOT_FOUND', message: 'no such subject' });
    expect(within.details).toEqual([
      { field: 'case.subjects.0.subjectId', code: 'CASE_SUBJECT_NOT_FOUND', message: 'no such subject' },
      { code: 'OTHER', message: 'about the whole case' },
    ]);
    expect(error.details[0].field).toBe('subjects.0.subjectId');
  });

  it('keeps an AppError as it is', () => {
    const error = AppError.badRequest('SUBJECT_ID_CHECKSUM', 'bad check character', 'identifier');
    expect(resolveError(error)).toEqual({
      status: 400,
      code: 'SUBJECT_ID_CHECKSUM',
      message: 'bad check character',
      details: [{ field: 'identifier', code: 'SUBJECT_ID_CHECKSUM', message: 'bad check character' }],
    });
  });

  it('turns an unknown route into ROUTE_NOT_FOUND', () => {
    expect(resolveError(new NotFoundException('Cannot GET /nope'))).toMatchObject({
      status: 404,
      code: CommonErrorCode.ROUTE_NOT_FOUND,
    });
  });

  it('hides the internals of an unexpected error', () => {
    const resolved = resolveError(new Error('password=hunter2 at db.ts:12'));
    expect(resolved).toEqual({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal error', details: [] });
  });

  it('maps a PostgreSQL unique violation to 409', () => {
    const driverError = Object.assign(new Error('duplicate key'), {
      code: '23505',
      constraint: 'uq_subject_id',
    });
    const resolved = resolveError(new QueryFailedError('INSERT', [], driverError));
    expect(resolved).toMatchObject({ status: 409, code: 'CONFLICT', details: [{ field: 'uq_subject_id' }] });
  });

  it('keeps other database errors internal', () => {
    const driverError = Object.assign(new Error('syntax error at "FROM"'), { code: '42601' });
    expect(resolveError(new QueryFailedError('SELECT', [], driverError))).toMatchObject({
      status: 500,
      message: 'Internal error',
    });
  });

  it('lists the indicators that are down when not ready', () => {
    const body = { status: 'error', error: { database: { status: 'down', message: 'timeout' } } };
    expect(resolveError(new ServiceUnavailableException(body))).toEqual({
      status: 503,
      code: 'NOT_READY',
      message: 'The service is not ready',
      details: [{ field: 'database', code: 'DOWN', message: 'timeout' }],
    });
  });

  it('maps Fastify body errors by their status', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(resolveError(tooLarge)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('flattenValidationErrors', () => {
  it('gives one detail per offending field with a dotted path', () => {
    const details = flattenValidationErrors([
      {
        property: 'applicants',
        children: [
          {
            property: '0',
            children: [
              { property: 'name', constraints: { isNotEmpty: 'name should not be empty' }, children: [] },
            ],
          },
        ],
      },
      {
        property: 'extra',
        constraints: { whitelistValidation: 'property extra should not exist' },
        children: [],
      },
    ]);
    expect(details).toEqual([
      { field: 'applicants.0.name', code: 'IS_NOT_EMPTY', message: 'name should not be empty' },
      { field: 'extra', code: 'UNKNOWN_FIELD', message: 'property extra should not exist' },
    ]);
  });
});

describe('resolveError for a JSON syntax error', () => {
  it('answers 400 MALFORMED_BODY', () => {
    const error = Object.assign(new SyntaxError('Unexpected end of JSON input'), { statusCode: 400 });
    expect(resolveError(error)).toMatchObject({ status: 400, code: 'MALFORMED_BODY' });
  });

  it('does not treat an unmarked SyntaxError as the caller fault', () => {
    expect(resolveError(new SyntaxError('bad regexp in code'))).toMatchObject({ status: 500 });
  });
});

describe('resolveError for a Fastify error wrapped by Nest', () => {
  it('looks through the HttpException to its cause', () => {
    const cause = Object.assign(new Error('Body is not valid JSON'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    });
    const wrapped = new HttpException(cause.message, 400, { cause });
    expect(resolveError(wrapped)).toMatchObject({ status: 400, code: 'MALFORMED_BODY' });
  });
});

describe('flattenValidationErrors picks the most basic failure of a field', () => {
  it('reports a wrong type before what is wrong with the content, whatever the order', () => {
    const details = flattenValidationErrors([
      {
        property: 'authority',
        constraints: { maxLength: 'too long', isNotEmpty: 'empty', isString: 'must be a string' },
        children: [],
      },
      { property: 'count', constraints: { max: 'too big', min: 'too small' }, children: [] },
    ]);
    expect(details).toEqual([
      { field: 'authority', code: 'IS_STRING', message: 'must be a string' },
      { field: 'count', code: 'MAX', message: 'too big' },
    ]);
  });
});

describe('resolveError masks resident ID numbers the answer would quote', () => {
  it('in the message, the field names and the detail messages', () => {
    const id = '110105198001011238';
    const error = new AppError(400, 'VALIDATION_FAILED', `The request has 1 invalid field: ${id}`, [
      { field: `applicants.${id}`, code: 'UNKNOWN_FIELD', message: `property ${id} should not exist` },
    ]);
    expect(resolveError(error)).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'The request has 1 invalid field: 110105********1238',
      details: [
        {
          field: 'applicants.110105********1238',
          code: 'UNKNOWN_FIELD',
          message: 'property 110105********1238 should not exist',
        },
      ],
    });
  });

  it('leaves an organisation code and a detail without a field as they are', () => {
    const error = new AppError(409, 'X', 'held by 91350100M000100Y43', [{ code: 'X', message: 'm' }]);
    expect(resolveError(error)).toEqual({
      status: 409,
      code: 'X',
      message: 'held by 91350100M000100Y43',
      details: [{ code: 'X', message: 'm' }],
    });
  });
});

describe('resolveError when the database cannot be reached', () => {
  const unavailable = { status: 503, code: 'DATABASE_UNAVAILABLE' };

  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    [
      'an administrator shutdown (57P01)',
      Object.assign(new Error('terminating connection'), { code: '57P01' }),
    ],
    [
      'a server starting up (57P03)',
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
    ],
    ['a connection exception (08006)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a statement timeout (57014)', Object.assign(new Error('canceling statement'), { code: '57014' })],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a full pool past its timeout', new Error('timeout exceeded when trying to connect')],
    ['a client-side query timeout', new Error('Query read timeout')],
  ])('answers 503 DATABASE_UNAVAILABLE for %s', (_name, error) => {
    expect(resolveError(error)).toMatchObject(unavailable);
    expect(resolveError(new QueryFailedError('SELECT 1', [], error))).toMatchObject(unavailable);
  });

  it('answers 503 for a transaction whose connection was released when the server ended it', () => {
    expect(resolveError(new QueryRunnerProviderAlreadyReleasedError())).toMatchObject(unavailable);
    expect(resolveError(new QueryRunnerAlreadyReleasedError())).toMatchObject(unavailable);
  });

  it('looks through a cause and an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
    expect(resolveError(new Error('outer', { cause: refused }))).toMatchObject(unavailable);
    expect(resolveError(new AggregateError([refused], ''))).toMatchObject(unavailable);
  });

  it('keeps the errors of a statement or its data internal', () => {
    const undefinedColumn = Object.assign(new Error('column "x" does not exist'), { code: '42703' });
    expect(resolveError(new QueryFailedError('SELECT x', [], undefinedColumn))).toMatchObject({
      status: 500,
    });
  });
});

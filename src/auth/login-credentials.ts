import { HttpStatus } from '@nestjs/common';
import { AppError, CommonErrorCode, ErrorDetail } from '../common/errors/app-error';

/**
 * The username and password of a login, from the JSON body only: passport-local also reads the query
 * string, which would put passwords in access logs. Anything but two non-empty strings is a 400, and
 * so is a username with a NUL character.
 */
export function loginCredentials(body: unknown): { username: string; password: string } {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const details: ErrorDetail[] = [];
  for (const field of ['username', 'password']) {
    const value = fields[field];
    if (value === undefined || value === null || value === '') {
      details.push({ field, code: 'IS_NOT_EMPTY', message: `${field} is required in the JSON body` });
    } else if (typeof value !== 'string') {
      details.push({ field, code: 'IS_STRING', message: `${field} must be a string` });
    } else if (field === 'username' && value.includes('\u0000')) {
      // No username holds one, and PostgreSQL takes no NUL in text: looking it up would fail with 500.
      details.push({ field, code: 'NUL_CHARACTER', message: 'username must not contain NUL characters' });
    }
  }
  if (details.length) {
    throw new AppError(
      HttpStatus.BAD_REQUEST,
      CommonErrorCode.VALIDATION_FAILED,
      'username and password are required, as strings in the JSON body',
      details,
    );
  }
  return { username: fields.username as string, password: fields.password as string };
}

import { HttpStatus, ParseUUIDPipe } from '@nestjs/common';
import { AppError } from './errors/app-error';

/** `@Param('id', UuidParam)`: a malformed id answers 400 INVALID_ID naming the parameter. */
export const UuidParam = new ParseUUIDPipe({
  exceptionFactory: () =>
    new AppError(HttpStatus.BAD_REQUEST, 'INVALID_ID', 'The id in the path is not a UUID', [
      { field: 'id', code: 'INVALID_ID', message: 'must be a UUID' },
    ]),
});

import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, CommonErrorCode, ErrorDetail } from './app-error';

const toCode = (constraint: string): string =>
  constraint === 'whitelistValidation'
    ? 'UNKNOWN_FIELD'
    : constraint.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** Flattens class-validator's tree into one detail per failed constraint, with dotted field paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      code: toCode(constraint),
      message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * The global pipe: unknown fields are refused, payloads are turned into DTO instances, and a failure
 * answers 400 VALIDATION_FAILED listing every offending field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // One detail per field: the first constraint it fails. class-validator applies a property's
    // decorators bottom-up, so the check listed last is reported first.
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      return new AppError(
        HttpStatus.BAD_REQUEST,
        CommonErrorCode.VALIDATION_FAILED,
        `The request has ${details.length} invalid field${details.length === 1 ? '' : 's'}: ` +
          [...new Set(details.map((d) => d.field))].join(', '),
        details,
      );
    },
  });
}

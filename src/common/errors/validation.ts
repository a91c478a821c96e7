import { ArgumentMetadata, HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, CommonErrorCode, ErrorDetail } from './app-error';
import { textProblem } from '../text';

const toCode = (constraint: string): string =>
  constraint === 'whitelistValidation'
    ? 'UNKNOWN_FIELD'
    : constraint.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * Which failed constraint speaks for a field: whether the value is there and of the right type
 * comes before what is wrong with its content, whatever order the decorators are written in.
 */
const PRIORITY = [
  'whitelistValidation',
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isDate',
  'isObject',
  'nestedValidation',
  'isNotEmpty',
  'arrayMinSize',
];
const rank = (constraint: string): number => {
  const i = PRIORITY.indexOf(constraint);
  return i === -1 ? PRIORITY.length : i;
};

/**
 * Flattens class-validator's tree into one detail per offending field (the most basic constraint it
 * fails, by PRIORITY), with dotted field paths for nested ones.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const [first] = Object.entries(error.constraints ?? {}).sort(([a], [b]) => rank(a) - rank(b));
    const own = first ? [{ field, code: toCode(first[0]), message: first[1] }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * The global pipe: unknown fields are refused, payloads are turned into DTO instances, and a failure
 * answers 400 VALIDATION_FAILED listing every offending field.
 */
/**
 * The validation pipe of every route: a query's or a path parameter's string PostgreSQL could not
 * store or compare (`textProblem`) is refused first, then class-validator runs. JSON bodies were
 * checked by the body parser already.
 */
class RegistryValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'query' || metadata.type === 'param') {
      const problem = textProblem(value, metadata.data ?? '');
      if (problem) throw validationFailed([problem]);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new RegistryValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Every constraint is checked; flattenValidationErrors reports the most basic one per field.
    stopAtFirstError: false,
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}

/** The 400 VALIDATION_FAILED answer for field-by-field problems. */
export function validationFailed(details: ErrorDetail[]): AppError {
  return new AppError(
    HttpStatus.BAD_REQUEST,
    CommonErrorCode.VALIDATION_FAILED,
    `The request has ${details.length} invalid field${details.length === 1 ? '' : 's'}: ` +
      [...new Set(details.map((d) => d.field))].join(', '),
    details,
  );
}

import { AppError } from '../common/errors/app-error';
import { IdentifierType, normalizeIdentifier } from './identifiers';

/**
 * Normalises an identifier at the edge of the API: gives its normal form, or throws a 400 AppError
 * carrying the identifier's own code (e.g. RESIDENT_ID_CHECKSUM) against `field`, so callers need not
 * translate codes. Kept out of identifiers.ts so the rules themselves stay free of the framework.
 */
export function requireIdentifier(type: IdentifierType, value: string, field: string, today?: Date): string {
  const result = normalizeIdentifier(type, value, today);
  if (!result.ok) throw AppError.badRequest(result.code, result.message, field);
  return result.value;
}

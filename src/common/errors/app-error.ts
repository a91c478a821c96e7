import { HttpStatus } from '@nestjs/common';

/** One offending input: which field (dotted path), a stable code, and a sentence for people. */
export interface ErrorDetail {
  field?: string;
  code: string;
  message: string;
  /** Ids and values the error refers to, e.g. `{ existingSubjectId }` on a duplicate. */
  context?: Record<string, string>;
}

/** The body of every error answer of the API. */
export interface ErrorBody {
  code: string;
  message: string;
  details: ErrorDetail[];
  requestId?: string;
}

/** Codes shared by every feature; features add their own next to their module. */
export enum CommonErrorCode {
  BAD_REQUEST = 'BAD_REQUEST',
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  MALFORMED_BODY = 'MALFORMED_BODY',
  MALFORMED_REQUEST = 'MALFORMED_REQUEST',
  HEADERS_TOO_LARGE = 'HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
  BODY_TOO_DEEP = 'BODY_TOO_DEEP',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  ROUTE_NOT_FOUND = 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  CONFLICT = 'CONFLICT',
  PRECONDITION_FAILED = 'PRECONDITION_FAILED',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED = 'RATE_LIMITED',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
  NOT_READY = 'NOT_READY',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE',
}

/**
 * An error meant for the caller: it carries its HTTP status, a stable machine-readable code and a
 * message that is safe to show. Anything thrown that is not an AppError (or a framework HTTP error)
 * answers 500 with its internals hidden.
 */
export class AppError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }

  /**
   * The same error about a part of a larger request: each detail's field put under `prefix`, so it
   * names the field of the request as sent (`subjects.0.name` of a finding's case → `case.subjects.0.name`).
   */
  within(prefix: string): AppError {
    const details = this.details.map((d) => (d.field ? { ...d, field: `${prefix}.${d.field}` } : d));
    return new AppError(this.status, this.code, this.message, details);
  }

  static notFound(code: string, message: string): AppError {
    return new AppError(HttpStatus.NOT_FOUND, code, message);
  }

  static conflict(code: string, message: string, details: ErrorDetail[] = []): AppError {
    return new AppError(HttpStatus.CONFLICT, code, message, details);
  }

  static badRequest(code: string, message: string, field?: string): AppError {
    return new AppError(HttpStatus.BAD_REQUEST, code, message, field ? [{ field, code, message }] : []);
  }
}

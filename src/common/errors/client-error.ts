import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { CommonErrorCode, ErrorBody } from './app-error';

/**
 * The raw answer to a request Node's HTTP parser refused before Fastify saw it (headers or URL over
 * the size limit, a malformed request line, a client too slow to send its headers), in the API's
 * error shape so that even these carry a `code`. Fastify's default answers `{ error, message,
 * statusCode }` without one.
 */
export function clientErrorResponse(error: { code?: string }): string {
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, CommonErrorCode.HEADERS_TOO_LARGE, 'The request line and headers are larger than allowed']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, CommonErrorCode.REQUEST_TIMEOUT, 'The request was not received in time']
        : [400, CommonErrorCode.MALFORMED_REQUEST, 'The request is not valid HTTP'];
  const body: ErrorBody = { code, message, details: [] };
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`
  );
}

/** Fastify's `clientErrorHandler`: answers with `clientErrorResponse`, then closes the connection. */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.write(clientErrorResponse(error));
  socket.destroy(error);
}

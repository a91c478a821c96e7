import { HttpStatus } from '@nestjs/common';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../common/errors/app-error';
import { withoutNul } from '../../common/text';
import { CHECK_JOB_MAX_FILE_BYTES, CheckJobErrorCode } from './check-job-columns';
import type { CheckJobUpload } from './check-jobs.service';

/** A file name fit to store and show: no path, no control characters, at most 255 characters. */
const cleanFileName = (name: string): string =>
  Array.from((name.split(/[\\/]/).pop() ?? '').replace(/\p{Cc}/gu, '').trim())
    .slice(0, 255)
    .join('') || 'upload';

/**
 * Reads the multipart body: text fields, and one file in the field `file` (kept in memory, within
 * the multipart limits of app.factory.ts). Call it from a route handler: the guard has run by then,
 * so an unauthenticated upload is never read. `hint` names the fields and the file in messages.
 */
export async function readUpload(
  request: FastifyRequest,
  hint: { form: string; file: string },
): Promise<{ fields: Record<string, string>; upload: CheckJobUpload }> {
  if (!request.isMultipart()) {
    throw new AppError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      CheckJobErrorCode.CHECK_JOB_NOT_MULTIPART,
      `Send multipart/form-data: ${hint.form} and the file in \`file\``,
    );
  }
  const fields: Record<string, string> = {};
  let upload: CheckJobUpload | undefined;
  let strayFile: string | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const file = part as MultipartFile;
        if (file.fieldname !== 'file' || upload) {
          strayFile = file.fieldname;
          file.file.resume();
          continue;
        }
        upload = { fileName: cleanFileName(file.filename), buffer: await file.toBuffer() };
      } else {
        fields[part.fieldname] = withoutNul(String(part.value));
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new AppError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        CheckJobErrorCode.CHECK_JOB_FILE_TOO_LARGE,
        `The file is larger than ${CHECK_JOB_MAX_FILE_BYTES / 1024 / 1024} MB`,
      );
    }
    throw error;
  }
  if (strayFile !== undefined) {
    throw AppError.badRequest(
      CheckJobErrorCode.CHECK_JOB_FILE_MISSING,
      `Send exactly one file, in the field \`file\` (not \`${strayFile}\`)`,
      strayFile,
    );
  }
  if (!upload || 'file' in fields) {
    throw AppError.badRequest(
      CheckJobErrorCode.CHECK_JOB_FILE_MISSING,
      `Attach ${hint.file} as a file in the field \`file\``,
      'file',
    );
  }
  return { fields, upload };
}

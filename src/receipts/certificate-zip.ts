import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { PassThrough, Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { CertificateLanguage, certificatePdf } from './certificate-pdf';
import { applicantPart, SignedCheckReceipt } from './check-receipt';
import type { SignedDocument } from './receipt-signature';

/** The `format` of a certificate ZIP's manifest. */
export const CERTIFICATE_MANIFEST_FORMAT = 'registry-certificate-manifest/1';

export interface CertificateManifestEntry {
  /** The file in the ZIP. */
  file: string;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  receiptId: string;
  /** The applicant's index in that check. */
  applicant: number;
  ref: string | null;
  /** Masked, as on the certificate. */
  name: string | null;
  verdict: string;
}

export interface CertificateManifest {
  format: typeof CERTIFICATE_MANIFEST_FORMAT;
  job: {
    id: string;
    purpose: string;
    reference: string | null;
    domain: string;
    asOf: string;
    rowsTotal: number;
  };
  issuedAt: string;
  lang: CertificateLanguage;
  certificates: CertificateManifestEntry[];
  /** Applicants of the job's checks with no certificate: their rows were refused (ERROR). */
  refused: { receiptId: string; applicant: number; ref: string | null }[];
}

export interface CertificateZipInput {
  job: CertificateManifest['job'];
  lang: CertificateLanguage;
  baseUrl: string;
  /** The job's check receipts, in order, read one at a time. */
  receipts: AsyncIterable<SignedCheckReceipt>;
  /** Signs a document with the registry's current key. */
  sign<T extends object>(document: T): SignedDocument<T>;
  now?: Date;
}

/**
 * A ZIP of certificates, one per applicant (refused rows have none), and manifest.json, signed like
 * a receipt, listing each file with its SHA-256, written as a stream: each PDF is made when the
 * reader has taken the ones before (the ZIP's buffer drained), and the manifest comes last.
 */
export function certificateZip(input: CertificateZipInput): Readable {
  const zip = new ZipFile();
  // yazl's output is a PassThrough (its types say only a readable stream).
  const out = zip.outputStream as unknown as PassThrough;
  void (async () => {
    const certificates: CertificateManifestEntry[] = [];
    const refused: CertificateManifest['refused'] = [];
    for await (const receipt of input.receipts) {
      for (let i = 0; i < receipt.applicants.length; i++) {
        const applicant = receipt.applicants[i];
        if (applicant.verdict === 'ERROR') {
          refused.push({ receiptId: receipt.id, applicant: applicant.index, ref: applicant.ref });
          continue;
        }
        const pdf = await certificatePdf(input.sign(applicantPart(receipt, i)), {
          lang: input.lang,
          baseUrl: input.baseUrl,
        });
        const file = `certificate-${String(certificates.length + 1).padStart(6, '0')}.pdf`;
        if (out.destroyed) return;
        // PDF streams are compressed already.
        zip.addBuffer(pdf, file, { mtime: new Date(receipt.issuedAt), compress: false });
        certificates.push({
          file,
          sha256: createHash('sha256').update(pdf).digest('hex'),
          receiptId: receipt.id,
          applicant: applicant.index,
          ref: applicant.ref,
          name: applicant.name,
          verdict: applicant.verdict,
        });
        if (out.writableNeedDrain) await once(out, 'drain');
      }
    }
    const now = input.now ?? new Date();
    const manifest = input.sign<CertificateManifest>({
      format: CERTIFICATE_MANIFEST_FORMAT,
      job: input.job,
      issuedAt: now.toISOString(),
      lang: input.lang,
      certificates,
      refused,
    });
    zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8'), 'manifest.json', {
      mtime: now,
    });
    zip.end();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

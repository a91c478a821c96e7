import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { withoutNul } from '../common/text';
import { maskResidentIdsIn } from '../personal-data/personal-data.protector';

/** One audit entry as stored: what the chain's hash covers. */
export interface AuditRecord {
  seq: string;
  at: Date;
  actorType: 'USER' | 'API_CLIENT' | 'SYSTEM' | 'ANONYMOUS';
  actorId: string | null;
  actorName: string | null;
  actorRoles: string[];
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  purpose: string | null;
  changes: unknown;
}

/** A sealed link of the chain: an entry at a position, with the hash before it and its own. */
export interface ChainLink {
  position: string;
  prevHash: Buffer;
  hash: Buffer;
  entry: AuditRecord;
}

export const GENESIS_HASH = Buffer.alloc(32);

/** RFC 8785 canonical JSON of an entry: key order and number forms fixed, so the hash is reproducible. */
export function canonicalEntry(r: AuditRecord): string {
  const json = canonicalize({
    seq: r.seq,
    at: r.at.toISOString(),
    actorType: r.actorType,
    actorId: r.actorId,
    actorName: r.actorName,
    actorRoles: r.actorRoles,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    requestId: r.requestId,
    purpose: r.purpose,
    changes: r.changes ?? null,
  });
  if (json === undefined) throw new Error(`audit entry ${r.seq} cannot be serialised`);
  return json;
}

/** hash = SHA-256(previous hash ‖ canonical JSON of the entry). */
export function chainHash(prevHash: Buffer, entry: AuditRecord): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalEntry(entry), 'utf8').digest();
}

export type ChainBreakReason = 'POSITION_GAP' | 'PREV_HASH_MISMATCH' | 'HASH_MISMATCH';

export interface ChainBreak {
  position: string;
  seq: string | null;
  reason: ChainBreakReason;
}

/**
 * Recomputes a chain link by link, in position order, and reports the first link that does not hold:
 * a missing position, a link whose previous hash is not its predecessor's hash, or a hash that does
 * not match the entry's content (the entry or the seal was altered).
 */
export class ChainVerifier {
  private expectedPosition = 1n;
  private previousHash: Buffer = GENESIS_HASH;
  count = 0;

  check(link: ChainLink): ChainBreak | undefined {
    const position = BigInt(link.position);
    if (position !== this.expectedPosition) {
      return { position: this.expectedPosition.toString(), seq: null, reason: 'POSITION_GAP' };
    }
    if (!link.prevHash.equals(this.previousHash)) {
      return { position: link.position, seq: link.entry.seq, reason: 'PREV_HASH_MISMATCH' };
    }
    if (!chainHash(link.prevHash, link.entry).equals(link.hash)) {
      return { position: link.position, seq: link.entry.seq, reason: 'HASH_MISMATCH' };
    }
    this.expectedPosition = position + 1n;
    this.previousHash = link.hash;
    this.count++;
    return undefined;
  }
}

/** Keys whose values never reach the audit trail: any key naming a password, token, secret or key. */
const SECRET_KEY = /password|passwd|secret|token|apikey|api_key|^key$|privatekey/i;

const clean = (text: string): string => maskResidentIdsIn(withoutNul(text));

/**
 * The safety net applied to every `changes` object before it is stored: values under secret-looking
 * keys are replaced, and any string (values and keys) that looks like a resident ID number is masked
 * (first 6, last 4), whatever the caller passed.
 */
export function redactChanges(value: unknown): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map(redactChanges);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [clean(k), SECRET_KEY.test(k) ? '[redacted]' : redactChanges(v)]),
    );
  }
  return value;
}

/** The same cleaning for the entry's plain text fields. */
export const cleanText = (text: string | null | undefined): string | null =>
  text === null || text === undefined ? null : clean(text);

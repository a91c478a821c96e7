import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import type { RequestContext } from '../common/request-context';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { changeSignal } from './change-notes';
import { ChangeRow, ChangesRepository } from './changes.repository';

export enum ChangeErrorCode {
  CHANGE_CURSOR_UNKNOWN = 'CHANGE_CURSOR_UNKNOWN',
}

/** How often a long poll looks again for changes committed by other instances. */
const REPOLL_MS = 250;

export interface ChangePage {
  items: ChangeRow[];
  /** The cursor to ask `after` next time: the last item's, or the one given when there was none. */
  next: string;
}

/** The change feed as other systems read it (docs/integration.md). */
@Injectable()
export class ChangesService {
  constructor(
    private readonly repository: ChangesRepository,
    private readonly protector: PersonalDataProtector,
    private readonly audit: AuditService,
  ) {}

  /**
   * The changes after `after`, in commit order; with `waitSeconds`, waits that long at most for a
   * first change to arrive when there is none yet (long poll). A page with changes is audited: it
   * shows full identifiers.
   * @throws AppError 409 CHANGE_CURSOR_UNKNOWN when `after` lies beyond every change written (a cursor
   *   of another registry, or of a database restored to an earlier state): the client must resync.
   */
  async read(ctx: RequestContext, after: string, limit: number, waitSeconds: number): Promise<ChangePage> {
    const deadline = Date.now() + waitSeconds * 1000;
    let items = await this.repository.after(after, limit);
    if (items.length === 0 && BigInt(after) > BigInt(await this.repository.head())) {
      throw AppError.conflict(
        ChangeErrorCode.CHANGE_CURSOR_UNKNOWN,
        `No change has cursor ${after}: read the feed again from the start (after=0)`,
      );
    }
    while (items.length === 0 && Date.now() < deadline) {
      await nextCommit(Math.min(REPOLL_MS, deadline - Date.now()));
      items = await this.repository.after(after, limit);
    }
    const next = items.length > 0 ? items[items.length - 1].seq : after;
    if (items.length > 0) {
      await this.audit.recordGrouped(ctx, {
        action: 'CHANGES_READ',
        changes: { after, next, count: items.length },
      });
    }
    return { items: items.map((row) => this.reveal(row)), next };
  }

  private reveal(row: ChangeRow): ChangeRow {
    return { ...row, state: revealChangeState(row.entityType, row.state, this.protector) };
  }
}

/**
 * A change's state as an authorised reader sees it: a subject's identifiers in full, from the
 * ciphertexts its feed row carries (webhooks send the same).
 */
export function revealChangeState(
  entityType: ChangeRow['entityType'],
  state: ChangeRow['state'],
  protector: PersonalDataProtector,
): ChangeRow['state'] {
  if (entityType !== 'SUBJECT' || !state) return state;
  const identifiers = (state.identifiers as { ciphertext: string; [key: string]: unknown }[]).map(
    ({ ciphertext, ...rest }) => ({ ...rest, value: protector.decrypt(Buffer.from(ciphertext, 'base64')) }),
  );
  return { ...state, identifiers };
}

/** Resolves when a transaction with changes commits in this process, or after `ms`. */
function nextCommit(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      changeSignal.off('committed', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(ms, 0));
    changeSignal.on('committed', done);
  });
}

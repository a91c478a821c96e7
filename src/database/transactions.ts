import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { changeSignal, closeChangeNotes, openChangeNotes } from '../changes/change-notes';
import { writeChanges } from '../changes/changes.repository';

/**
 * Runs a unit of work in one database transaction. A change and its audit entry are written through
 * the same manager, so they commit together or not at all; so do the change-feed rows of what it
 * changed, written last (docs/integration.md).
 */
@Injectable()
export class Transactions {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    let changed = false;
    const result = await this.dataSource.transaction(async (m) => {
      openChangeNotes(m);
      try {
        const value = await work(m);
        const notes = closeChangeNotes(m);
        await writeChanges(m, notes);
        changed = notes.size > 0;
        return value;
      } finally {
        closeChangeNotes(m);
      }
    });
    if (changed) changeSignal.emit('committed');
    return result;
  }
}

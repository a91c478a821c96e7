import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { ChangeEntityType } from '../changes/change-notes';
import { ENTITY_STATE } from '../changes/changes.repository';
import type { ExportState } from './export-rows';

/** One read-only snapshot of the registry, open on a connection of its own until released. */
export interface ExportSnapshot {
  /** When the snapshot was taken: the export holds what was committed before this instant. */
  asOf: Date;
  /** The change feed's cursor at the snapshot: reading the feed `after` it continues from the export. */
  changeCursor: string;
  /**
   * Every record of the kind, `pageSize` at a time, read through a server-side cursor. In storage
   * order: an ORDER BY would make PostgreSQL build every record and sort them all before the first
   * page, where a plain scan builds each page as it is fetched.
   * The snapshot is released when the pages end, fail, or are abandoned (`return()`).
   */
  pages(type: ChangeEntityType, pageSize: number): AsyncGenerator<ExportState[]>;
  /** Ends the transaction and gives the connection back; safe to call more than once. */
  release(): Promise<void>;
}

/**
 * Reads for bulk exports: one REPEATABLE READ, READ ONLY transaction per export, so every page comes
 * from the same snapshot however long the reader takes, and a cursor (DECLARE … FETCH) so the server
 * holds one page at a time, never the whole result.
 */
@Injectable()
export class ExportsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async openSnapshot(): Promise<ExportSnapshot> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const client: PoolClient = await pool.connect();
    let released = false;
    let broken: Error | undefined;
    // A checked-out client's errors (the server ending the session) are the holder's to catch.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    // A page being read when the export is released: the ROLLBACK waits for it, so the connection
    // never goes back to the pool with a statement of this export still running on it.
    let reading: Promise<unknown> = Promise.resolve();
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      await reading;
      try {
        if (!broken) await client.query('ROLLBACK');
      } catch (error) {
        // The connection is unusable (server gone, timeout): the pool must drop it, not reuse it.
        broken = error instanceof Error ? error : new Error(String(error));
      }
      client.off('error', onError);
      client.release(broken);
    };
    const read = <R extends object>(text: string) => {
      const query = client.query<R>(text);
      reading = query.catch(() => undefined);
      return query;
    };
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The first statement takes the snapshot: its start time and the feed's last row are those of the export.
      const {
        rows: [head],
      } = await client.query<{ asOf: Date; changeCursor: string }>(
        `SELECT statement_timestamp() AS "asOf", COALESCE(max(seq), 0)::text AS "changeCursor" FROM change_event`,
      );
      return {
        ...head,
        release,
        async *pages(type, pageSize) {
          try {
            if (released) return;
            const { state, table, alias } = ENTITY_STATE[type];
            await read(
              `DECLARE export_rows NO SCROLL CURSOR FOR SELECT ${state} AS state FROM ${table} ${alias}`,
            );
            while (!released) {
              const { rows } = await read<{ state: ExportState }>(
                `FETCH FORWARD ${Math.trunc(pageSize)} FROM export_rows`,
              );
              if (rows.length > 0) yield rows.map((r) => r.state);
              if (rows.length < pageSize) return;
            }
          } finally {
            await release();
          }
        },
      };
    } catch (error) {
      await release();
      throw error;
    }
  }
}

import { EventEmitter } from 'node:events';
import type { EntityManager } from 'typeorm';

/** What the change feed follows: everything a check depends on. */
export type ChangeEntityType = 'LISTING' | 'CASE' | 'MEASURE' | 'SUBJECT';
export const CHANGE_ENTITY_TYPES: readonly ChangeEntityType[] = ['LISTING', 'CASE', 'MEASURE', 'SUBJECT'];

/** The entities one transaction changed, each with what happened to it, in the order first noted. */
export type ChangeNotes = Map<string, { type: ChangeEntityType; id: string; actions: string[] }>;

const open = new WeakMap<EntityManager, ChangeNotes>();

/** Starts collecting the changes of a transaction (Transactions.run does, for every unit of work). */
export function openChangeNotes(m: EntityManager): ChangeNotes {
  const notes: ChangeNotes = new Map();
  open.set(m, notes);
  return notes;
}

/** Stops collecting for a transaction and gives what it changed. */
export function closeChangeNotes(m: EntityManager): ChangeNotes {
  const notes = open.get(m) ?? new Map();
  open.delete(m);
  return notes;
}

/**
 * Notes that the transaction of `m` changed an entity; the repositories that write list entries,
 * cases, measures and subjects call it beside each write. The feed row is written once per entity
 * at the end of the transaction, with the state it commits (changes.repository.ts).
 * @throws Error when `m` is not a transaction of Transactions.run: a change the feed would miss.
 */
export function noteChange(m: EntityManager, type: ChangeEntityType, id: string, action: string): void {
  const notes = open.get(m);
  if (!notes) throw new Error(`A ${type} change outside Transactions.run would escape the change feed`);
  const key = `${type}:${id}`;
  const note = notes.get(key) ?? { type, id, actions: [] };
  if (!note.actions.includes(action)) note.actions.push(action);
  notes.set(key, note);
}

/**
 * Emits `committed` after a transaction with changes has committed in this process, so a long poll
 * here answers at once; other instances' commits are found by re-polling.
 */
export const changeSignal = new EventEmitter();
changeSignal.setMaxListeners(0);

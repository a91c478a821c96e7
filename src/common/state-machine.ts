import { AppError } from './errors/app-error';

/** A lifecycle given as data: the states each state may move to, with labels for messages. */
export interface StateMachine<S extends string> {
  isState(value: string): value is S;
  /** The states `from` may move to; none for a terminal or unknown state. */
  allowed(from: string): readonly S[];
  /** Whether `from` may move to `to`. Unknown states (an unchecked string) answer false. */
  can(from: string, to: string): boolean;
  /** Whether `status` has no further state. */
  isTerminal(status: string): boolean;
  /**
   * Refuses a move the lifecycle does not allow.
   * @throws AppError 409 with the machine's code naming both states; its one detail, against the
   * field `status`, lists the states allowed from `from`.
   */
  assert(from: string, to: string): void;
}

/**
 * A state machine over `transitions`. `thing` opens the refusal ("A case cannot move from …"), `code`
 * is its error code.
 */
export function stateMachine<S extends string>(
  thing: string,
  transitions: Readonly<Record<S, readonly S[]>>,
  labels: Readonly<Record<S, string>>,
  code: string,
): StateMachine<S> {
  const isState = (value: string): value is S => Object.hasOwn(transitions, value);
  const allowed = (from: string): readonly S[] => (isState(from) ? transitions[from] : []);
  const can = (from: string, to: string) => (allowed(from) as readonly string[]).includes(to);
  const describe = (status: string) =>
    isState(status) ? `${status} (${labels[status]})` : JSON.stringify(status);
  return {
    isState,
    allowed,
    can,
    isTerminal: (status) => isState(status) && transitions[status].length === 0,
    assert(from, to) {
      if (can(from, to)) return;
      const next = allowed(from);
      throw AppError.conflict(code, `${thing} cannot move from ${describe(from)} to ${describe(to)}.`, [
        {
          field: 'status',
          code,
          message:
            next.length === 0
              ? `No move is allowed from ${from}.`
              : `Allowed from ${from}: ${next.join(', ')}.`,
        },
      ]);
    },
  };
}

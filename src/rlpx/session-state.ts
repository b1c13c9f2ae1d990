/**
 * The states of a session and the moves allowed between them, checked in one place: a
 * session goes handshake -> hello -> active and may close from any of them; nothing leaves
 * closed. A move outside the table is a bug in this package and throws
 * {@link InvalidTransitionError}.
 */
import { InvalidTransitionError } from './errors.js';

/** The states of a session (values are the strings `currentState` has always returned). */
export const SessionState = {
  /** ECIES auth/ack in progress. */
  Handshake: 'handshake',
  /** Framing is up; waiting for the remote Hello. */
  Hello: 'hello',
  /** Hello accepted: sub-protocol messages flow. */
  Active: 'active',
  Closed: 'closed',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** The allowed moves: from each state, the states it may go to. */
export const SESSION_TRANSITIONS: { readonly [S in SessionState]: readonly SessionState[] } = {
  handshake: [SessionState.Hello, SessionState.Closed],
  hello: [SessionState.Active, SessionState.Closed],
  active: [SessionState.Closed],
  closed: [],
};

/** Returns `to` if the move from `from` is allowed, else throws {@link InvalidTransitionError}. */
export function checkTransition(from: SessionState, to: SessionState): SessionState {
  if (!SESSION_TRANSITIONS[from].includes(to)) throw new InvalidTransitionError(from, to);
  return to;
}

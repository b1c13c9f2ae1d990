import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../src/rlpx/errors.js';
import { checkTransition, SESSION_TRANSITIONS, SessionState } from '../../src/rlpx/session-state.js';

const ALL = Object.values(SessionState);

describe('session state transitions', () => {
  it('allows handshake -> hello -> active -> closed, and closing from every open state', () => {
    expect(checkTransition(SessionState.Handshake, SessionState.Hello)).toBe('hello');
    expect(checkTransition(SessionState.Hello, SessionState.Active)).toBe('active');
    for (const from of [SessionState.Handshake, SessionState.Hello, SessionState.Active]) expect(checkTransition(from, SessionState.Closed)).toBe('closed');
  });

  it('throws InvalidTransitionError, naming both states, for every move outside the table', () => {
    let refused = 0;
    for (const from of ALL) {
      for (const to of ALL) {
        if (SESSION_TRANSITIONS[from].includes(to)) continue;
        refused++;
        let caught: unknown;
        try {
          checkTransition(from, to);
        } catch (err) {
          caught = err;
        }
        expect(caught, `${from} -> ${to}`).toBeInstanceOf(InvalidTransitionError);
        expect((caught as InvalidTransitionError).from).toBe(from);
        expect((caught as InvalidTransitionError).to).toBe(to);
      }
    }
    // 16 pairs, 5 allowed: going back (active -> hello), skipping (handshake -> active),
    // staying, and leaving closed are all refused.
    expect(refused).toBe(11);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { END_REASONS, endReason } from '../../src/observability/end-reason.js';
import { AGENT_END_REASONS } from '../../src/session/agent-runtime.js';
import { HANGUP_REASON } from '../../src/transports/realtime-ws/calls-route.js';

describe('endReason: free-text end reasons as a bounded label', () => {
  it("names each of the agent's own reasons", () => {
    const named = { end_call: 'end_call', transfer: 'transfer', max_duration: 'max_duration', budget: 'budget', idle_timeout: 'idle', shutdown: 'shutdown' };
    assert.deepEqual(Object.keys(named).sort(), [...AGENT_END_REASONS].sort(), 'every agent reason is covered here');
    for (const [reason, category] of Object.entries(named)) assert.equal(endReason({ reason, code: 1000 }), category, reason);
  });

  it('groups what transports and the server end sessions with', () => {
    const cases: [string, number, string][] = [
      ['client closed (1005)', 1000, 'client_closed'],
      ['client closed (data channel closed)', 1000, 'client_closed'],
      ['client closed (no audio for 15 s)', 1000, 'client_closed'],
      ['caller hung up', 1000, 'client_closed'],
      ['caller hung up (stream closed, 1000)', 1000, 'client_closed'],
      ['caller hung up (call completed)', 1000, 'client_closed'],
      ['the media stream ended', 1000, 'client_closed'],
      ['client left before the session started', 1000, 'client_closed'],
      ['client never connected (ICE/DTLS did not complete within 20 s)', 1000, 'error'],
      ['the media stream never connected', 1000, 'error'],
      ['the call could not be answered', 1000, 'error'],
      ['engine closed: upstream unavailable', 1011, 'error'],
      [HANGUP_REASON, 1000, 'hangup'],
      ['resumed on a new connection', 1000, 'resumed'],
      ['server shutting down', 1001, 'shutdown'],
      // A draining server closes with 1001 whatever its words (tests pass their own).
      ['test finished', 1001, 'shutdown'],
      ['rate_limited: more than 200 messages per second', 1000, 'rate_limited'],
      ['something new', 1011, 'error'],
      ['an operator ended it from the admin view', 1000, 'other'],
    ];
    for (const [reason, code, category] of cases) assert.equal(endReason({ reason, code }), category, `${reason} (${code})`);
  });

  it('never yields anything outside the listed categories', () => {
    const seen = new Set(['', 'x', 'client', 'end_call ', 'END_CALL', 'hung', 'engine closed'].flatMap((reason) => [1000, 1001, 1008, 1011].map((code) => endReason({ reason, code }))));
    for (const category of seen) assert.ok((END_REASONS as readonly string[]).includes(category), category);
  });
});

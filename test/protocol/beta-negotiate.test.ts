import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBetaClient } from '../../src/protocol/beta/index.js';

type Headers = Record<string, string | string[] | undefined>;

describe('isBetaClient', () => {
  const cases: Array<[string, Headers, string[], boolean]> = [
    ['canonical header', { 'OpenAI-Beta': 'realtime=v1' }, [], true],
    ['lower-case header name (as Node delivers it)', { 'openai-beta': 'realtime=v1' }, [], true],
    ['shouting header name', { 'OPENAI-BETA': 'realtime=v1' }, [], true],
    ['comma-separated betas', { 'openai-beta': 'assistants=v2, realtime=v1' }, [], true],
    ['repeated header lines', { 'openai-beta': ['assistants=v2', 'realtime=v1'] }, [], true],
    ['browser subprotocol', {}, ['realtime', 'openai-insecure-api-key.ek_123', 'openai-beta.realtime-v1'], true],
    ['GA client: no header, GA subprotocols', { authorization: 'Bearer ek_123' }, ['realtime', 'openai-insecure-api-key.ek_123'], false],
    ['another beta only', { 'openai-beta': 'assistants=v2' }, [], false],
    ['a different realtime version', { 'openai-beta': 'realtime=v2' }, [], false],
    ['value only as a substring', { 'openai-beta': 'realtime=v10' }, [], false],
    ['the value under another header', { 'x-openai-beta': 'realtime=v1' }, [], false],
    ['header present but undefined', { 'openai-beta': undefined }, [], false],
    ['subprotocol prefix only', {}, ['openai-beta.realtime-v1x'], false],
  ];
  for (const [name, headers, subprotocols, expected] of cases) {
    it(`${name} → ${expected}`, () => assert.equal(isBetaClient(headers, subprotocols), expected));
  }
});

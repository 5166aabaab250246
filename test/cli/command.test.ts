import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberOption, serverUrlOption, UsageError } from '../../src/cli/command.js';
import { parseLoadArgs } from '../../src/cli/load/args.js';
import { parsePhoneArgs } from '../../src/cli/phone.js';

describe('command-line options shared by talk, phone and load', () => {
  it('numberOption: absent is undefined; bounds, whole numbers and junk are usage errors that say what was expected', () => {
    assert.equal(numberOption('--n', undefined, { min: 1 }), undefined);
    assert.equal(numberOption('--n', '2.5', { min: 1 }), 2.5);
    assert.equal(numberOption('--n', '0', { min: 0 }), 0);
    assert.throws(() => numberOption('--n', '0', { above: 0 }), (e: unknown) => e instanceof UsageError && e.message === 'Invalid --n "0": expected a number > 0.');
    assert.throws(() => numberOption('--n', '2.5', { min: 1, max: 10, integer: true }), { message: 'Invalid --n "2.5": expected a whole number ≥ 1 and ≤ 10.' });
    assert.throws(() => numberOption('--n', '11', { min: 1, max: 10 }), { message: 'Invalid --n "11": expected a number ≥ 1 and ≤ 10.' });
    for (const junk of ['', ' ', 'soon', 'Infinity', 'NaN']) assert.throws(() => numberOption('--n', junk, {}), UsageError, JSON.stringify(junk));
  });

  it('serverUrlOption: http(s) only, and a bad address is a usage error', () => {
    assert.equal(serverUrlOption('https://parley.example:8443/base').href, 'https://parley.example:8443/base');
    assert.throws(() => serverUrlOption('ws://localhost:3000'), { message: /^Invalid --url "ws:\/\/localhost:3000": use http:\/\/ or https:\/\// });
    assert.throws(() => serverUrlOption('nope'), { message: /^Invalid --url "nope": expected the server's address/ });
  });

  it('each command uses them: a bad number or URL is a UsageError naming the option', () => {
    assert.throws(() => parseLoadArgs(['--callers', '0']), { message: /^Invalid --callers "0": expected a whole number ≥ 1/ });
    assert.throws(() => parseLoadArgs(['--url', 'ftp://x']), UsageError);
    assert.throws(() => parsePhoneArgs(['--wait-ms=-1'], { TWILIO_AUTH_TOKEN: 't' }), { message: /^Invalid --wait-ms "-1"/ });
    assert.throws(() => parsePhoneArgs(['--url', 'nope'], { TWILIO_AUTH_TOKEN: 't' }), UsageError);
  });
});

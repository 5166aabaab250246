import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, type ConfigError } from '../src/config/load.js';
import { CONFIG_KEYS } from '../src/config/schema.js';
import { NETWORK_ENV_KEYS } from '../src/engines/local/network/config.js';

const made: string[] = [];
const dir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'parley-config-'));
  made.push(d);
  return d;
};
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('configuration', () => {
  it('defaults: port 3000 on all interfaces', () => {
    const c = loadConfig({}, dir());
    assert.equal(c.server.port, 3000);
    assert.equal(c.server.host, '0.0.0.0');
    assert.equal(c.limits.maxConversationItems, 1000);
  });

  it('the default engine: local; openai when OPENAI_API_KEY is set, unless an engine is chosen explicitly', () => {
    assert.equal(loadConfig({}, dir()).engine.default, 'local');
    assert.equal(loadConfig({ OPENAI_API_KEY: 'sk-test' }, dir()).engine.default, 'openai');
    assert.equal(loadConfig({ OPENAI_API_KEY: 'sk-test', PARLEY_ENGINE: 'local' }, dir()).engine.default, 'local');
    const d = dir();
    writeFileSync(join(d, 'parley.config.json'), JSON.stringify({ engine: { default: 'echo' } }));
    assert.equal(loadConfig({ OPENAI_API_KEY: 'sk-test' }, d).engine.default, 'echo');
  });

  it('environment overrides the config file, which overrides defaults', () => {
    const d = dir();
    writeFileSync(join(d, 'parley.config.json'), JSON.stringify({ server: { port: 4000, host: '127.0.0.1' }, log: { level: 'debug' } }));
    const c = loadConfig({ PORT: '5000' }, d);
    assert.equal(c.server.port, 5000);
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.log.level, 'debug');
  });

  it('a bad value stops start-up with a message naming the variable and what it accepts', () => {
    assert.throws(() => loadConfig({ PORT: 'abc' }, dir()), (e: ConfigError) => e.code === 'invalid_config' && /PORT = "abc"/.test(e.message) && /number/.test(e.message));
    assert.throws(() => loadConfig({ PORT: '70000' }, dir()), /PORT = "70000".*65535/s);
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }, dir()), /LOG_LEVEL = "loud".*(fatal|info)/s);
    assert.throws(() => loadConfig({ PARLEY_TRUST_PROXY: 'maybe' }, dir()), /PARLEY_TRUST_PROXY/);
  });

  it('a bad config file names the file and the key', () => {
    const d = dir();
    writeFileSync(join(d, 'custom.json'), JSON.stringify({ server: { prot: 1 } }));
    assert.throws(() => loadConfig({ PARLEY_CONFIG: 'custom.json' }, d), /unknown key\(s\) server\.prot in .*custom\.json/);
    writeFileSync(join(d, 'broken.json'), '{ nope');
    assert.throws(() => loadConfig({ PARLEY_CONFIG: 'broken.json' }, d), /broken\.json is not valid JSON/);
    assert.throws(() => loadConfig({ PARLEY_CONFIG: 'missing.json' }, d), /Cannot read config file .*missing\.json/);
    writeFileSync(join(d, 'parley.config.json'), JSON.stringify({ limits: { maxConversationItems: 0 } }));
    assert.throws(() => loadConfig({}, d), /limits\.maxConversationItems in .*parley\.config\.json/);
  });

  it('the README documents every variable and key', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const k of CONFIG_KEYS) {
      assert.ok(readme.includes(`\`${k.env}\``), `README lacks ${k.env}`);
      assert.ok(readme.includes(`\`${k.path}\``), `README lacks ${k.path}`);
    }
    for (const k of NETWORK_ENV_KEYS) assert.ok(readme.includes(`\`${k.env}\``), `README lacks ${k.env}`);
  });
});

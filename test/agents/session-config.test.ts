import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentSchema, type Agent, type AgentInput } from '../../src/agents/schema.js';
import { agentSessionUpdate } from '../../src/agents/session-config.js';
import { toolDefinition } from '../../src/tools/definition.js';
import { PUSH_TO_TALK, TURN_DETECTION_PRESETS, TURN_DETECTION_PRESET_NAMES } from '../../src/agents/turn-detection.js';
import { RealtimeSessionUpdateSchema, SessionUpdateSchema } from '../../src/protocol/schemas/session.js';
import { ClientEventSchema } from '../../src/protocol/schemas/client-events.js';
import { builtinToolDefinition } from '../../src/tools/builtin/schemas.js';

const agent = (extra: Partial<AgentInput> = {}): Agent => AgentSchema.parse({ name: 'test', description: 'A test agent.', instructions: 'Be brief.', ...extra });

/** Parses as a client would send it: strict GA `session.update`. */
function assertValidGa(session: unknown): void {
  const r = RealtimeSessionUpdateSchema.safeParse(session);
  assert.ok(r.success, r.success ? '' : JSON.stringify(r.error.issues));
  assert.ok(SessionUpdateSchema.safeParse(session).success);
}

describe('agentSessionUpdate', () => {
  for (const preset of TURN_DETECTION_PRESET_NAMES) {
    it(`preset ${preset} → valid GA server_vad with the preset's values`, () => {
      const session = agentSessionUpdate(agent({ turnDetection: preset }));
      assertValidGa(session);
      const p = TURN_DETECTION_PRESETS[preset];
      assert.deepEqual(session.audio?.input?.turn_detection, {
        type: 'server_vad',
        threshold: p.threshold,
        prefix_padding_ms: p.prefixPaddingMs,
        silence_duration_ms: p.silenceDurationMs,
        idle_timeout_ms: null,
        create_response: true,
        interrupt_response: true,
      });
    });
  }

  it('the presets differ where their settings demand it', () => {
    const { quiet_office: quiet, noisy_call_center: noisy, phone_line: phone } = TURN_DETECTION_PRESETS;
    assert.ok(noisy.threshold > quiet.threshold && noisy.silenceDurationMs > quiet.silenceDurationMs);
    assert.ok(phone.prefixPaddingMs > quiet.prefixPaddingMs);
  });

  it('push_to_talk → turn_detection null (valid GA)', () => {
    const session = agentSessionUpdate(agent({ turnDetection: PUSH_TO_TALK }));
    assertValidGa(session);
    assert.equal(session.audio?.input?.turn_detection, null);
  });

  it('explicit turn detection passes through, idle timeout included', () => {
    const session = agentSessionUpdate(agent({ turnDetection: { threshold: 0.3, prefixPaddingMs: 250, silenceDurationMs: 1200, idleTimeoutMs: 8000, interruptResponse: false } }));
    assertValidGa(session);
    assert.deepEqual(session.audio?.input?.turn_detection, {
      type: 'server_vad',
      threshold: 0.3,
      prefix_padding_ms: 250,
      silence_duration_ms: 1200,
      idle_timeout_ms: 8000,
      create_response: true,
      interrupt_response: false,
    });
  });

  it('instructions, voice, tool_choice; no audio formats (the transport decides them)', () => {
    const session = agentSessionUpdate(agent({ voice: 'cedar', instructions: 'You are Ada.' }));
    assert.equal(session.type, 'realtime');
    assert.equal(session.instructions, 'You are Ada.');
    assert.deepEqual(session.audio?.output, { voice: 'cedar' });
    assert.equal(session.tool_choice, 'auto');
    assert.equal(session.audio?.input?.format, undefined);
    assert.ok(!('format' in (session.audio?.input ?? {})) && !('format' in (session.audio?.output ?? {})));
  });

  it('transcription: default model and the language subtag; a model option; null when off', () => {
    assert.deepEqual(agentSessionUpdate(agent({ language: 'en-GB' })).audio?.input?.transcription, { model: 'gpt-4o-transcribe', language: 'en' });
    assert.deepEqual(agentSessionUpdate(agent({ language: 'fr' }), { transcriptionModel: 'parley-local' }).audio?.input?.transcription, { model: 'parley-local', language: 'fr' });
    const off = agentSessionUpdate(agent({ transcription: false }));
    assertValidGa(off);
    assert.equal(off.audio?.input?.transcription, null);
  });

  it('tools: built-ins (description override), webhook and client tools as function definitions', () => {
    const params = { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] };
    const a = agent({
      tools: [
        'lookup_order',
        { name: 'end_call', description: 'Hang up politely.' },
        { type: 'webhook', name: 'stock', description: 'Check stock.', url: 'https://shop.example/stock', parameters: params },
        { type: 'client', name: 'show_map', description: 'Show a map.', parameters: { type: 'object', properties: {} } },
      ],
    });
    const session = agentSessionUpdate(a);
    assertValidGa(session);
    assert.deepEqual(session.tools, [
      builtinToolDefinition('lookup_order'),
      { ...builtinToolDefinition('end_call'), description: 'Hang up politely.' },
      { type: 'function', name: 'stock', description: 'Check stock.', parameters: params },
      { type: 'function', name: 'show_map', description: 'Show a map.', parameters: { type: 'object', properties: {} } },
    ]);
    assert.deepEqual(session.tools, a.tools.map(toolDefinition));
  });

  it('a caller-supplied toolDefinitions is used for every tool', () => {
    const seen: string[] = [];
    const session = agentSessionUpdate(agent({ tools: ['end_call', 'lookup_order'] }), {
      toolDefinitions: (spec) => {
        seen.push(spec.name);
        return { type: 'function', name: `x_${spec.name}`, description: 'd', parameters: { type: 'object' } };
      },
    });
    assert.deepEqual(seen, ['end_call', 'lookup_order']);
    assert.deepEqual(
      session.tools?.map((t) => (t.type === 'function' ? t.name : t.type)),
      ['x_end_call', 'x_lookup_order'],
    );
  });

  it('is accepted as a whole session.update client event', () => {
    const r = ClientEventSchema.safeParse({ type: 'session.update', session: agentSessionUpdate(agent({ tools: ['book_appointment'], turnDetection: 'phone_line' })) });
    assert.ok(r.success, r.success ? '' : JSON.stringify(r.error.issues));
  });
});

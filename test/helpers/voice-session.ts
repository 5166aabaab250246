import { builtinToolDefinition, BUILTIN_TOOLS, type BuiltinToolName } from '../../src/tools/builtin/schemas.js';
import { RawClient, type Json } from './realtime-client.js';

export const ALL_TOOLS = (Object.keys(BUILTIN_TOOLS) as BuiltinToolName[]).map(builtinToolDefinition);

/** Sends PCM16 24 kHz audio as `input_audio_buffer.append` in 20 ms frames at real-time pace. */
export async function streamRealtime(ws: RawClient, samples: Int16Array, onFrame?: (sentMs: number) => void): Promise<void> {
  const frame = 480;
  const started = Date.now();
  for (let i = 0, n = 0; i < samples.length; i += frame, n++) {
    const chunk = samples.subarray(i, i + frame);
    ws.send({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') });
    onFrame?.(((i + chunk.length) * 1000) / 24000);
    const due = started + (n + 1) * 20;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
}

/** Opens a local-engine session with every built-in tool and input transcription on. */
export async function openVoiceSession(wsUrl: string, session: Record<string, unknown> = {}): Promise<RawClient> {
  const ws = await RawClient.connect(wsUrl);
  await ws.next('session.created');
  ws.send({ type: 'session.update', session: { type: 'realtime', tools: ALL_TOOLS, audio: { input: { transcription: { model: 'parley-local' } } }, ...session } });
  await ws.next('session.updated');
  return ws;
}

/** The PCM16 audio of one assistant item, from its deltas. */
export function itemAudio(events: readonly Json[], itemId: string): Int16Array {
  const buf = Buffer.concat(events.filter((e) => e.type === 'response.output_audio.delta' && e.item_id === itemId).map((e) => Buffer.from(e.delta, 'base64')));
  return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/**
 * The floor for the Twilio bridge: the least a server can do to connect a Twilio media stream
 * to an engine. The voice webhook answers `<Connect><Stream>`; each stream message is
 * JSON.parse'd and a `media` payload goes to the engine as `input_audio_buffer.append`; each
 * `response.output_audio.delta` goes back at once (no pacing) as a `media` message and a `mark`
 * — the same messages Parley sends, so the simulated Twilio side does the same work for both.
 * No signature checks, no validation, no session, no records.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { defaultSessionConfig } from '../../src/engines/inprocess/session-config.js';
import type { ClientEvent } from '../../src/protocol/schemas/index.js';
import { BenchEngine, type BenchProbe, type EmitClock } from './twilio-bench-engine.js';

export async function startRelay(probe: BenchProbe, clock: EmitClock): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  let wsBase = '';
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/twilio/voice') {
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${wsBase}/twilio/media-stream"><Parameter name="token" value="relay"/></Stream></Connect></Response>`);
      } else res.writeHead(204).end();
    });
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    let engine: BenchEngine | null = null;
    let marks = 0;
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event: string; streamSid?: string; media?: { payload: string } };
      if (m.event === 'media' && engine) return engine.send({ type: 'input_audio_buffer.append', audio: m.media!.payload } as ClientEvent);
      if (m.event !== 'start' || engine) return;
      const streamSid = m.streamSid!;
      engine = new BenchEngine(defaultSessionConfig('bench'), probe, clock);
      engine.onEvent((e) => {
        if (e.type !== 'response.output_audio.delta' || ws.readyState !== ws.OPEN) return;
        ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload: e.delta } }));
        ws.send(JSON.stringify({ event: 'mark', streamSid, mark: { name: String(++marks) } }));
      });
      engine.start();
    });
    ws.on('close', () => void engine?.close());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  wsBase = `ws://127.0.0.1:${port}`;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

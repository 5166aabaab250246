import { Buffer } from 'node:buffer';
import { FormatConverter, type AudioFormat } from '../audio/formats.js';
import type { ClientEvent, ServerEvent } from '../protocol/schemas/index.js';
import { RECORDING_RATE, type TrackWriter } from '../recordings/recording-store.js';

type Audio = { input?: { format?: AudioFormat }; output?: { format?: AudioFormat } };

/** One side of the call: wire-format audio in, PCM16 24 kHz to the writer. */
class RecordedTrack {
  private format = '';
  private converter = new FormatConverter({ type: 'audio/pcm', rate: 24000 }, RECORDING_RATE);

  constructor(private readonly writer: TrackWriter) {}

  /** A format change takes effect for the audio after it. */
  use(format: AudioFormat | undefined): void {
    if (!format || JSON.stringify(format) === this.format) return;
    this.writer.write(this.converter.flush());
    this.converter = new FormatConverter(format, RECORDING_RATE);
    this.format = JSON.stringify(format);
  }

  write(base64: string): void {
    this.writer.write(this.converter.convert(Buffer.from(base64, 'base64')));
  }

  close(): Promise<void> {
    this.writer.write(this.converter.flush());
    return this.writer.close();
  }
}

/**
 * Tees a session's audio into its recording: what the caller sent (input appends) and what the
 * agent said (output audio deltas), each from the session's current format to PCM16 24 kHz.
 * Only sessions of agents with `recording: true` have one.
 */
export class SessionAudioRecorder {
  private readonly caller: RecordedTrack;
  private readonly agent: RecordedTrack;

  constructor(caller: TrackWriter, agent: TrackWriter) {
    this.caller = new RecordedTrack(caller);
    this.agent = new RecordedTrack(agent);
  }

  fromClient(e: ClientEvent): void {
    if (e.type === 'input_audio_buffer.append') this.caller.write(e.audio);
  }

  fromEngine(e: ServerEvent): void {
    if (e.type === 'response.output_audio.delta') this.agent.write(e.delta);
    else if (e.type === 'session.created' || e.type === 'session.updated') {
      const audio = (e.session as { audio?: Audio }).audio;
      this.caller.use(audio?.input?.format);
      this.agent.use(audio?.output?.format);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.caller.close(), this.agent.close()]);
  }
}

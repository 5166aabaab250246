import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Recorder, type AudioDevices } from './audio-devices.js';
import type { Conversation } from './conversation.js';
import type { TalkError } from './errors.js';
import type { ScriptLink } from './script.js';

export interface LiveOptions {
  devices: AudioDevices;
  /** Enter starts a turn, Enter again sends it (no server VAD). */
  pushToTalk: boolean;
  /** Where Enter is read from (push-to-talk). */
  keys: Readable;
  onError: (err: TalkError) => void;
}

/**
 * The microphone side of a live conversation: the recorder's audio goes to the server as it
 * comes (with push-to-talk, only while a turn is held open). Returns a stop function.
 */
export function startLive(conv: Conversation, link: ScriptLink, opts: LiveOptions): () => void {
  let talking = !opts.pushToTalk;
  const recorder = new Recorder(
    opts.devices.record,
    (pcm) => {
      if (talking) link.send({ type: 'input_audio_buffer.append', audio: pcm.toString('base64') });
    },
    opts.onError,
  );
  if (!opts.pushToTalk) return () => recorder.stop();

  conv.display.notice('push-to-talk: press Enter to talk, Enter again to send');
  const lines = createInterface({ input: opts.keys });
  lines.on('line', () => {
    if (!talking) {
      // Taking the floor cuts the agent off: nothing else would, without server VAD.
      conv.bargeIn(true);
      link.send({ type: 'input_audio_buffer.clear' });
      talking = true;
      conv.display.state('you are speaking');
      return;
    }
    talking = false;
    link.send({ type: 'input_audio_buffer.commit' });
    link.send({ type: 'response.create' });
    conv.startTurn();
    conv.display.state('thinking');
  });
  return () => {
    lines.close();
    recorder.stop();
  };
}

import { readFileSync } from 'node:fs';
import { readWav, resample } from '../../audio/index.js';
import type { ClientEvent } from '../../protocol/schemas/index.js';
import type { Conversation } from './conversation.js';
import { TalkError } from './errors.js';
import { TALK_RATE } from './player.js';

/** One scripted turn: a WAV file spoken into the conversation, or a typed message. */
export type ScriptTurn = { kind: 'audio'; file: string; samples: Int16Array } | { kind: 'text'; text: string };

export interface ScriptOptions {
  /** The agent counts as done once it has been idle (nothing playing, no response, no tool running) this long, ms. */
  settleMs: number;
  /** The longest wait for the agent to finish, per turn, ms. */
  timeoutMs: number;
  /** Commit each audio turn and ask for the answer (no server VAD). */
  pushToTalk: boolean;
}

/** What the script needs of the connection. */
export interface ScriptLink {
  readonly isOpen: boolean;
  send(event: ClientEvent): boolean;
}

/** 20 ms of PCM16 at 24 kHz per `input_audio_buffer.append`. */
const CHUNK = (TALK_RATE * 20) / 1000;
/** Silence after a turn beyond the server VAD's own window, so the end of speech is detected for sure. */
const SILENCE_MARGIN_MS = 700;

/** Reads a WAV (any rate, any channel count) as PCM16 24 kHz mono. */
export function loadAudioTurn(file: string): ScriptTurn {
  try {
    const wav = readWav(readFileSync(file), { mono: true });
    const samples = wav.sampleRate === TALK_RATE ? wav.samples : resample(wav.samples, wav.sampleRate, TALK_RATE);
    return { kind: 'audio', file, samples };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new TalkError('bad_input', `Cannot use --input ${file}: ${why}.`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `samples` as 20 ms appends at real-time pace; false if any was dropped (the connection was down). */
async function stream(link: ScriptLink, samples: Int16Array): Promise<boolean> {
  const started = performance.now();
  let delivered = true;
  for (let i = 0, n = 0; i < samples.length; i += CHUNK, n++) {
    const chunk = samples.subarray(i, i + CHUNK);
    delivered = link.send({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') }) && delivered;
    await sleep(Math.max(0, started + (n + 1) * 20 - performance.now()));
  }
  return delivered;
}

/**
 * Plays the script: waits for the agent to finish (its greeting first), sends a turn, waits for
 * the whole answer — tool calls and the response after them — and so on; then returns. An audio
 * turn is streamed in real time followed by enough silence for the server VAD to end it (with
 * push-to-talk: committed instead). A turn lost to a dropped connection before the server
 * answered it is sent again once the session is resumed.
 */
export async function runScript(turns: readonly ScriptTurn[], conv: Conversation, link: ScriptLink, opts: ScriptOptions): Promise<void> {
  await settle(conv, opts, 'before the first turn');
  for (const [i, turn] of turns.entries()) {
    const label = `turn ${i + 1} of ${turns.length} (${turn.kind === 'audio' ? turn.file : 'text'})`;
    if (conv.ended) throw new TalkError('session_ended', `The session ended before ${label}.`);
    const responses = conv.responses;
    const speechStarts = conv.speechStarts;
    for (let attempt = 0; ; attempt++) {
      const delivered = await sendTurn(turn, conv, link, opts);
      if (delivered || conv.responses > responses || attempt > 0) break;
      await waitOpen(link, opts.timeoutMs);
      conv.display.notice(`sending ${label} again: the connection dropped while it was sent`);
    }
    const sentAt = performance.now();
    // No speech heard in an audio turn (a silent file): no answer is coming, so the wait is short.
    const unheard = (): boolean => turn.kind === 'audio' && conv.vadSilenceMs !== null && !opts.pushToTalk && conv.speechStarts === speechStarts && performance.now() - sentAt > opts.settleMs + 1000;
    await settle(conv, opts, `after ${label}`, () => conv.responses > responses, unheard);
    if (conv.responses === responses) {
      const heard = turn.kind === 'text' || opts.pushToTalk || conv.speechStarts > speechStarts;
      throw new TalkError('no_answer', heard ? `The agent did not answer ${label}.` : `The server heard no speech in ${label}: is the file speech at a normal level, not silence?`);
    }
  }
}

async function sendTurn(turn: ScriptTurn, conv: Conversation, link: ScriptLink, opts: ScriptOptions): Promise<boolean> {
  if (turn.kind === 'text') {
    conv.display.you(turn.text);
    const sent = link.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: turn.text }] } });
    conv.startTurn();
    return sent && link.send({ type: 'response.create' });
  }
  if (opts.pushToTalk || conv.vadSilenceMs === null) {
    link.send({ type: 'input_audio_buffer.clear' });
    conv.display.state('you are speaking');
    const delivered = await stream(link, turn.samples);
    const committed = link.send({ type: 'input_audio_buffer.commit' }) && link.send({ type: 'response.create' });
    conv.startTurn();
    conv.display.state('thinking');
    return delivered && committed;
  }
  const silence = new Int16Array(Math.round(((conv.vadSilenceMs + SILENCE_MARGIN_MS) * TALK_RATE) / 1000));
  return (await stream(link, turn.samples)) && (await stream(link, silence));
}

/**
 * Waits until the agent is done. `answered`, for the wait after a turn: the turn must also have
 * had an answer (else the whole timeout is given to it, unless `hopeless`; the caller says none came).
 */
async function settle(conv: Conversation, opts: ScriptOptions, when: string, answered?: () => boolean, hopeless?: () => boolean): Promise<void> {
  const done = answered ?? (() => true);
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    const r = await conv.waitSettled(opts.settleMs, Math.max(0, deadline - performance.now()));
    if (r === 'ended') {
      // The agent may end the call once it has answered (a goodbye): the script's end, not a failure.
      if (answered?.()) return;
      throw new TalkError('session_ended', `The session ended ${when}, before the script was done.`);
    }
    if (r === 'timeout') {
      if (!done()) return;
      throw new TalkError('agent_busy', `The agent was still busy ${Math.round(opts.timeoutMs / 1000)} s ${when}; raise --timeout if it needs longer.`);
    }
    if (done() || hopeless?.()) return;
    // Idle but no answer yet: the server may still be deciding that the turn is over.
    await sleep(100);
  }
}

async function waitOpen(link: ScriptLink, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!link.isOpen && performance.now() < deadline) await sleep(50);
}

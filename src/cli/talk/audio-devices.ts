import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { TalkError } from './errors.js';
import type { AudioSink } from './player.js';

/** A program that records to stdout or plays from stdin: raw PCM16 little-endian, 24 kHz, mono. */
export interface AudioCommand {
  command: string;
  args: string[];
  /** As the user would type it, for messages. */
  label: string;
}

export interface AudioDevices {
  kind: 'sox' | 'alsa' | 'custom';
  record: AudioCommand;
  play: AudioCommand;
  /** What the player buffers beyond what it was handed, ms (the played-time estimate adds it). */
  playLatencyMs: number;
}

const RAW_SOX = ['-t', 'raw', '-r', '24000', '-e', 'signed-integer', '-b', '16', '-c', '1'];
const RAW_ALSA = ['-t', 'raw', '-f', 'S16_LE', '-r', '24000', '-c', '1'];

const cmd = (command: string, args: string[]): AudioCommand => ({ command, args, label: [command, ...args].join(' ') });
const shell = (line: string): AudioCommand => ({ command: '/bin/sh', args: ['-c', line], label: line });

/** Whether `name` is an executable on PATH. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not here.
    }
  }
  return false;
}

export interface DetectOptions {
  /** `--record-command` / `--play-command`: any programs speaking raw PCM16 24 kHz mono on stdout / stdin. */
  recordCommand?: string;
  playCommand?: string;
  has?: (name: string) => boolean;
}

/**
 * The microphone and speaker programs: SoX (`rec`/`play`, any platform SoX has a driver for)
 * first, then ALSA's `arecord`/`aplay` (Linux). Commands given explicitly win, one or both.
 */
export function detectAudioDevices(opts: DetectOptions = {}): AudioDevices {
  const has = opts.has ?? ((name: string) => onPath(name));
  let found: AudioDevices | null = null;
  // --buffer 2048 bytes: ~40 ms at 24 kHz, so a stop is heard quickly and the estimate is close.
  if (has('rec') && has('play')) found = { kind: 'sox', record: cmd('rec', ['-q', ...RAW_SOX, '-']), play: cmd('play', ['-q', '--buffer', '2048', ...RAW_SOX, '-']), playLatencyMs: 40 };
  else if (has('arecord') && has('aplay')) found = { kind: 'alsa', record: cmd('arecord', ['-q', ...RAW_ALSA]), play: cmd('aplay', ['-q', '--buffer-time=100000', ...RAW_ALSA]), playLatencyMs: 100 };
  if (opts.recordCommand && opts.playCommand) return { kind: 'custom', record: shell(opts.recordCommand), play: shell(opts.playCommand), playLatencyMs: 0 };
  if (!found) {
    const missing = opts.recordCommand ? 'a speaker' : opts.playCommand ? 'a microphone' : 'a microphone and a speaker';
    throw new TalkError(
      'no_audio_tools',
      `No audio tools found for ${missing}: a live conversation needs SoX (\`rec\`/\`play\`; apt-get install sox, brew install sox) or ALSA's \`arecord\`/\`aplay\` (apt-get install alsa-utils). Or give your own programs with --record-command/--play-command, or talk without devices: --input file.wav or --text "…".`,
    );
  }
  if (opts.recordCommand) return { ...found, kind: 'custom', record: shell(opts.recordCommand) };
  if (opts.playCommand) return { ...found, kind: 'custom', play: shell(opts.playCommand), playLatencyMs: 0 };
  return found;
}

/** The last lines a program wrote to stderr, for a message when it fails. */
function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (c: Buffer) => (tail = (tail + c.toString('utf8')).slice(-600)));
  return () => tail.trim().split('\n').slice(-3).join(' / ');
}

/** Reports a program that failed on its own (not stopped by us) once, in words. */
function watch(child: ChildProcess, what: string, spec: AudioCommand, stopped: () => boolean, onError: (err: TalkError) => void): void {
  const tail = stderrTail(child);
  let reported = false;
  const report = (why: string): void => {
    if (reported || stopped()) return;
    reported = true;
    onError(new TalkError(`${what}_failed`, `The ${what} program \`${spec.label}\` ${why}${tail() ? `: ${tail()}` : ''}. Check the audio device (for SoX: AUDIODEV, AUDIODRIVER), or give another program with --${what === 'microphone' ? 'record' : 'play'}-command.`));
  };
  child.once('error', (err) => report(`could not start (${(err as NodeJS.ErrnoException).code ?? err.message})`));
  child.once('exit', (code, signal) => report(signal ? `was killed (${signal})` : `exited with code ${code}`));
}

/**
 * The speaker: a player process fed on stdin. `stop()` kills it, which drops what it and the
 * pipe still hold (up to 64 KB, over a second of audio, that could not be taken back
 * otherwise); the next `write` starts a new one.
 */
export class ProcessSink implements AudioSink {
  private child: ChildProcess | null = null;
  private closed = false;

  constructor(
    private readonly spec: AudioCommand,
    private readonly onError: (err: TalkError) => void,
  ) {}

  write(pcm: Buffer): void {
    if (this.closed) return;
    if (!this.child) this.child = this.start();
    this.child.stdin?.write(pcm);
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    if (child) {
      child.stdin?.destroy();
      child.kill('SIGKILL');
    }
  }

  /** Lets the player finish what it holds, then ends it. */
  close(): void {
    this.closed = true;
    this.child?.stdin?.end();
    this.child = null;
  }

  private start(): ChildProcess {
    const child = spawn(this.spec.command, this.spec.args, { stdio: ['pipe', 'ignore', 'pipe'] });
    // A player killed mid-write raises EPIPE on its stdin: expected, not an error.
    child.stdin?.on('error', () => undefined);
    watch(child, 'speaker', this.spec, () => this.child !== child, this.onError);
    return child;
  }
}

/** Bytes per `input_audio_buffer.append`: 40 ms of PCM16 24 kHz (the protocol suggests 20–100 ms). */
export const MIC_CHUNK_BYTES = 1920;

/**
 * The microphone: a recorder process whose stdout is cut into 40 ms chunks. Runs until
 * `stop()`; a recorder that fails or exits on its own is reported through `onError`.
 */
export class Recorder {
  private readonly child: ChildProcess;
  private pending: Buffer = Buffer.alloc(0);
  private stopped = false;

  constructor(spec: AudioCommand, onAudio: (pcm: Buffer) => void, onError: (err: TalkError) => void) {
    this.child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    watch(this.child, 'microphone', spec, () => this.stopped, onError);
    this.child.stdout?.on('data', (c: Buffer) => {
      this.pending = this.pending.length ? Buffer.concat([this.pending, c]) : c;
      while (this.pending.length >= MIC_CHUNK_BYTES) {
        onAudio(this.pending.subarray(0, MIC_CHUNK_BYTES));
        this.pending = this.pending.subarray(MIC_CHUNK_BYTES);
      }
    });
  }

  stop(): void {
    this.stopped = true;
    this.child.kill('SIGTERM');
  }
}

import { z } from 'zod';
import { strictObject, type ObjectCtor } from './common.js';

/** GA audio formats (doc §7). PCM16 only exists at 24 kHz, so `rate` may be omitted and defaults to 24000. */
export const audioFormat = (obj: ObjectCtor) =>
  z.discriminatedUnion('type', [
    obj({ type: z.literal('audio/pcm'), rate: z.literal(24000).default(24000) }),
    obj({ type: z.literal('audio/pcmu') }),
    obj({ type: z.literal('audio/pcma') }),
  ]);

export const AudioFormatSchema = audioFormat(strictObject);
export type AudioFormat = z.infer<typeof AudioFormatSchema>;
export type AudioFormatInput = z.input<typeof AudioFormatSchema>;

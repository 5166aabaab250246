import { z } from 'zod';
import { strictObject, type ObjectCtor } from './common.js';

/**
 * Reference to a stored prompt template (`{"id":"pmpt_...","version":"3","variables":{...}}`).
 * Variable values mirror the SDK's `ResponsePrompt` (Responses API input content) so
 * SDK-built requests parse; resolving templates is up to the engine.
 */
export const prompt = (obj: ObjectCtor) => {
  const cacheBreakpoint = obj({ mode: z.literal('explicit') }).optional();
  const variable = z.union([
    z.string(),
    z.discriminatedUnion('type', [
      obj({ type: z.literal('input_text'), text: z.string(), prompt_cache_breakpoint: cacheBreakpoint }),
      obj({
        type: z.literal('input_image'),
        detail: z.enum(['low', 'high', 'auto', 'original']),
        image_url: z.string().nullable().optional(),
        file_id: z.string().nullable().optional(),
        prompt_cache_breakpoint: cacheBreakpoint,
      }),
      obj({
        type: z.literal('input_file'),
        detail: z.enum(['auto', 'low', 'high']).optional(),
        file_data: z.string().optional(),
        file_id: z.string().nullable().optional(),
        file_url: z.string().optional(),
        filename: z.string().optional(),
        prompt_cache_breakpoint: cacheBreakpoint,
      }),
    ]),
  ]);
  return obj({
    id: z.string().min(1),
    version: z.string().nullable().optional(),
    variables: z.record(z.string(), variable).nullable().optional(),
  });
};

export const PromptSchema = prompt(strictObject);
export type Prompt = z.infer<typeof PromptSchema>;

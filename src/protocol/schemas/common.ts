import { z } from 'zod';

/**
 * Every object concept is built by a factory taking one of these two constructors:
 * client-sent objects are strict (OpenAI answers `Unknown parameter: 'session.voice'`),
 * server-sent objects strip unknown keys so a newer server's additions don't break a
 * client. zod infers identical types for both (`$strict` and `$strip` are the same
 * type), which is why `z.object` fits the `z.strictObject` signature without a cast.
 */
export type ObjectCtor = typeof z.strictObject;
export const strictObject: ObjectCtor = z.strictObject;
export const stripObject: ObjectCtor = z.object;

/**
 * An optional field OpenAI sends as `null` ("off"/"none") while the SDK types have no
 * `null` there: accept `null` when parsing, output `undefined` so what Parley emits
 * is typed as the SDK expects (and JSON.stringify drops it).
 */
export function nullAsAbsent<T extends z.ZodType>(schema: T) {
  return schema
    .nullable()
    .transform((v) => v ?? undefined)
    .optional();
}

/** Client `event_id`s are only echoed back (`error.event_id`); the cap keeps logs and errors bounded. */
export const EventIdSchema = z.string().max(128);

/**
 * Ids a client chooses (item ids) or refers to (item_id, previous_item_id, response_id).
 * Neither the protocol doc nor the SDK states a limit; 64 is the Responses API's cap for item ids.
 */
export const ClientIdSchema = z.string().min(1).max(64);

/**
 * Standard padded base64 (doc §7). The alphabet/padding check is a single linear regex
 * (~20 ms for a maximal 15 MiB append, microseconds for a 20 ms frame); the 15 MiB
 * limit is NOT checked here — the caller enforces it on the decoded byte count.
 */
export const Base64Schema = z.base64();

/** Non-negative integer counts and offsets (indexes, milliseconds, tokens). */
export const CountSchema = z.number().int().nonnegative();

import { setTimeout as sleep } from 'node:timers/promises';
import { verbatimWords } from '../../conversation/say.js';
import { latestTurn } from '../inprocess/latest-turn.js';
import type { Model, ModelOutput, ModelRequest, ModelResult } from '../inprocess/model.js';

/**
 * A deterministic model for protocol work: it repeats the user's words,
 * calls a tool when told `call <name> <json>` (and the tool is offered), and
 * reports tool results, and says given words verbatim (`sayResponse`). `metadata.echo_delay_ms` slows streaming so clients
 * can test cancellation and barge-in. It has no voice: in audio modality it
 * sends the transcript only.
 */
export class EchoModel implements Model {
  readonly name = 'echo';

  async respond(req: ModelRequest, out: ModelOutput, signal: AbortSignal): Promise<ModelResult> {
    const delay = Number(req.metadata?.echo_delay_ms ?? 0);
    const turn = await latestTurn(req.context);
    const call = turn?.kind === 'user' ? /^call (\w+)\s*(\{.*\})?\s*$/s.exec(turn.text) : null;
    if (call && req.toolChoice !== 'none' && req.tools.some((t) => t.name === call[1])) {
      const fc = out.functionCall(call[1] as string);
      fc.writeArguments(call[2] ?? '{}');
      fc.end();
      return {};
    }
    const reply =
      verbatimWords(req.metadata) ??
      (turn.kind === 'start'
        ? 'Hello! Say something and I will repeat it.'
        : turn.kind === 'tool_result'
          ? `The ${turn.name || 'tool'} tool returned: ${turn.output}`
          : turn.text
            ? `You said: ${turn.text}`
            : 'I heard you, but there was no transcript to repeat.');
    const msg = out.message();
    for (const word of reply.split(/(?<= )/)) {
      if (signal.aborted) return {};
      msg.write(word);
      if (delay > 0) await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
    msg.end();
    return {};
  }
}

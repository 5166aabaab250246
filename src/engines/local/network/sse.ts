/**
 * A server-sent events reader (the WHATWG event-stream format) reduced to
 * what OpenAI-compatible streams use: the `data` of each event. Lines end in
 * LF, CRLF or CR (also split across reads); several `data:` lines of one event
 * are joined with LF; comments (`: ping`) and other fields are ignored; an
 * event is dispatched at a blank line.
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  private line = '';
  private data: string[] = [];
  private afterCr = false;

  /** Feeds bytes; returns the data of every event they completed, in order. */
  push(bytes: Uint8Array): string[] {
    return this.feed(this.decoder.decode(bytes, { stream: true }));
  }

  /** Ends the stream; an event left without its blank line is still dispatched (lenient to servers that end abruptly). */
  end(): string[] {
    const out = this.feed(this.decoder.decode());
    if (this.line !== '') this.takeLine(out);
    if (this.data.length > 0) {
      out.push(this.data.join('\n'));
      this.data = [];
    }
    return out;
  }

  private feed(text: string): string[] {
    const out: string[] = [];
    for (const ch of text) {
      if (this.afterCr) {
        this.afterCr = false;
        if (ch === '\n') continue;
      }
      if (ch === '\r' || ch === '\n') {
        this.afterCr = ch === '\r';
        this.takeLine(out);
      } else this.line += ch;
    }
    return out;
  }

  private takeLine(out: string[]): void {
    const line = this.line;
    this.line = '';
    if (line === '') {
      if (this.data.length > 0) out.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
  }
}

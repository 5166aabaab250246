/** Keys pressed this close together are one entry ("1234#"). */
const INTER_DIGIT_MS = 1500;

/**
 * Keypad presses (`dtmf`) gathered into entries: `#` ends one at once; otherwise a pause does.
 * An order number typed on the keypad reaches the agent as one input, not four.
 */
export class DigitCollector {
  private digits = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly onEntry: (digits: string) => void,
    private readonly pauseMs = INTER_DIGIT_MS,
  ) {}

  press(digit: string): void {
    this.digits += digit;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (digit === '#') return this.flush();
    this.timer = setTimeout(() => this.flush(), this.pauseMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    const entry = this.digits;
    this.digits = '';
    if (entry) this.onEntry(entry);
  }
}

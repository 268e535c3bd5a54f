/**
 * The minimal hand-written NDJSON splitter of the "raw" reference: text in (the socket decodes
 * UTF-8 with `setEncoding`), one callback per complete line out. No limits, no `\r` handling, no
 * error policy: the least work a line protocol can do, which is what makes it the limit.
 */
export class LineSplitter {
  #tail = '';
  readonly #onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(text: string): void {
    let pos = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      this.#tail += text;
      return;
    }
    if (this.#tail !== '') {
      const line = this.#tail + text.slice(0, nl);
      this.#tail = '';
      this.#onLine(line);
      pos = nl + 1;
      nl = text.indexOf('\n', pos);
    }
    while (nl !== -1) {
      this.#onLine(text.slice(pos, nl));
      pos = nl + 1;
      nl = text.indexOf('\n', pos);
    }
    if (pos < text.length) this.#tail = text.slice(pos);
  }
}

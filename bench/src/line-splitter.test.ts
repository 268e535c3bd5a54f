import { describe, expect, it } from 'vitest';
import { seededRandom } from './corpus.js';
import { LineSplitter } from './line-splitter.js';

/** A splitter and the lines it has delivered so far. */
function splitter(): { push: (text: string) => void; lines: string[] } {
  const lines: string[] = [];
  const s = new LineSplitter((line) => lines.push(line));
  return { push: (text) => s.push(text), lines };
}

describe('LineSplitter', () => {
  it('delivers two lines pushed at once', () => {
    const { push, lines } = splitter();
    push('{"a":1}\n{"b":2}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('delivers two lines pushed one after the other', () => {
    const { push, lines } = splitter();
    push('{"a":1}\n');
    push('{"b":2}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('joins a line split across two pushes', () => {
    const { push, lines } = splitter();
    push('{"a":');
    push('1}\n');
    expect(lines).toEqual(['{"a":1}']);
  });

  it('joins a line split across three pushes', () => {
    const { push, lines } = splitter();
    push('{"a"');
    push(':');
    push('1}\n');
    expect(lines).toEqual(['{"a":1}']);
  });

  it('delivers nothing for a push with no newline, and the line once its newline comes alone', () => {
    const { push, lines } = splitter();
    push('{"a":1}');
    expect(lines).toEqual([]);
    push('\n');
    expect(lines).toEqual(['{"a":1}']);
  });

  it('holds the text after the last newline until the next push ends it', () => {
    const { push, lines } = splitter();
    push('{"a":1}\n{"b"');
    expect(lines).toEqual(['{"a":1}']);
    push(':2}\n{"c":3}\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('delivers an empty line between two newlines as an empty string', () => {
    const { push, lines } = splitter();
    push('\na\n\n\nb\n');
    push('\n');
    expect(lines).toEqual(['', 'a', '', '', 'b', '']);
  });

  it('ends a held line with a push that starts with a newline, and delivers what follows', () => {
    const { push, lines } = splitter();
    push('ab');
    push('\n\ncd\n');
    expect(lines).toEqual(['ab', '', 'cd']);
  });

  it('never delivers a last line without a newline: there is no flush', () => {
    const { push, lines } = splitter();
    push('a\nb');
    push('c');
    expect(lines).toEqual(['a']);
  });

  it('treats empty pushes as nothing', () => {
    const { push, lines } = splitter();
    push('');
    push('a');
    push('');
    push('\n');
    expect(lines).toEqual(['a']);
  });

  it('keeps a carriage return as part of the line', () => {
    const { push, lines } = splitter();
    push('a\r\nb\r\n');
    expect(lines).toEqual(['a\r', 'b\r']);
  });

  it('joins non-ASCII text split between pushes unchanged', () => {
    const { push, lines } = splitter();
    push('{"name":"Zoë Å');
    push('ngström","city":"東');
    push('京"}\n');
    expect(lines).toEqual(['{"name":"Zoë Ångström","city":"東京"}']);
  });

  describe('wherever the text is cut', () => {
    // A fixed text: JSON-ish lines of random length, some empty, some non-ASCII.
    const random = seededRandom(42);
    const alphabet = ['a', 'b', '{', '}', '"', ':', ',', ' ', '1', 'é', '東', '😀'];
    const textLines = Array.from({ length: 60 }, () => {
      const length = random() < 0.15 ? 0 : Math.floor(random() * 40);
      return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]!).join('');
    });
    const text = textLines.join('\n') + '\n';
    const expected = text.split('\n').slice(0, -1);

    function splitAt(cuts: readonly number[]): string[] {
      const { push, lines } = splitter();
      let from = 0;
      for (const at of [...cuts, text.length]) {
        push(text.slice(from, at));
        from = at;
      }
      return lines;
    }

    it('yields the lines of text.split("\\n") for 500 seeded sets of 1 to 6 cut points', () => {
      expect(expected).toEqual(textLines);
      const cutsRandom = seededRandom(7);
      for (let run = 0; run < 500; run++) {
        const count = 1 + Math.floor(cutsRandom() * 6);
        // Cuts may repeat (an empty push) and land on a newline or right after one.
        const cuts = Array.from({ length: count }, () => Math.floor(cutsRandom() * (text.length + 1))).sort((x, y) => x - y);
        expect(splitAt(cuts), `cuts ${cuts.join(',')}`).toEqual(expected);
      }
    });

    it('yields the same lines when every UTF-16 unit is pushed alone', () => {
      expect(splitAt(Array.from({ length: text.length }, (_, i) => i))).toEqual(expected);
    });
  });
});

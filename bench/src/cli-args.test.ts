import { describe, expect, it } from 'vitest';
import { parseArgs, SECTIONS } from './cli-args.js';
import { CONTENDER_IDS } from './contenders/index.js';

describe('parseArgs', () => {
  it('defaults to a quick run of every section, in SECTIONS order, and every contender', () => {
    expect(parseArgs([])).toEqual({ full: false, publish: false, only: [...SECTIONS], contenders: [...CONTENDER_IDS] });
  });

  it('runs memory last by default', () => {
    // Memory's closed connections linger in TIME_WAIT and slow whatever runs after it (see SECTIONS).
    expect(parseArgs([]).only.at(-1)).toBe('memory');
  });

  it('sets a full run with --full and a quick one with --quick, the last one winning', () => {
    expect(parseArgs(['--full']).full).toBe(true);
    expect(parseArgs(['--quick']).full).toBe(false);
    expect(parseArgs(['--full', '--quick']).full).toBe(false);
    expect(parseArgs(['--quick', '--full']).full).toBe(true);
  });

  it('keeps SECTIONS order whatever order --only names them in', () => {
    expect(parseArgs(['--only=memory,decode']).only).toEqual(['decode', 'memory']);
    expect(parseArgs(['--only=transport,reconnect,encode']).only).toEqual(['encode', 'reconnect', 'transport']);
    expect(parseArgs([`--only=${[...SECTIONS].reverse().join(',')}`]).only).toEqual([...SECTIONS]);
  });

  it('runs a section named twice in --only once', () => {
    expect(parseArgs(['--only=decode,decode']).only).toEqual(['decode']);
  });

  it('restricts the contenders to those --contenders names', () => {
    expect(parseArgs(['--contenders=raw-net,proj-tcp']).contenders).toEqual(['raw-net', 'proj-tcp']);
  });

  it('throws naming an unknown section', () => {
    expect(() => parseArgs(['--only=decode,bogus'])).toThrow(/\bbogus\b/);
  });

  it('throws naming an unknown contender', () => {
    expect(() => parseArgs(['--contenders=raw-net,nobody'])).toThrow(/\bnobody\b/);
  });

  it('throws naming an unknown argument', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/--fast\b/);
    expect(() => parseArgs(['--only'])).toThrow(/--only\b/);
  });

  it('refuses --publish from a quick run', () => {
    expect(() => parseArgs(['--publish'])).toThrow(/--publish/);
    expect(() => parseArgs(['--full', '--publish', '--quick'])).toThrow(/--publish/);
  });

  it('refuses --publish from a full run of some sections only', () => {
    expect(() => parseArgs(['--full', '--publish', '--only=decode,encode'])).toThrow(/--publish/);
  });

  it('refuses --publish from a full run of some contenders only', () => {
    expect(() => parseArgs(['--full', '--publish', '--contenders=raw-net,proj-tcp'])).toThrow(/--publish/);
    // As many names as there are contenders, but one contender.
    expect(() => parseArgs(['--full', '--publish', `--contenders=${CONTENDER_IDS.map(() => 'raw-net').join(',')}`])).toThrow(/--publish/);
  });

  it('runs a contender named twice in --contenders once', () => {
    expect(parseArgs(['--contenders=raw-net,proj-tcp,raw-net']).contenders).toEqual(['raw-net', 'proj-tcp']);
  });

  it('accepts --publish from a full run of every section and contender', () => {
    expect(parseArgs(['--full', '--publish'])).toEqual({ full: true, publish: true, only: [...SECTIONS], contenders: [...CONTENDER_IDS] });
    // Naming them all, in any order, is still every section and contender.
    const named = parseArgs(['--publish', `--only=${[...SECTIONS].reverse().join(',')}`, `--contenders=${CONTENDER_IDS.join(',')}`, '--full']);
    expect(named.publish).toBe(true);
    expect(named.only).toEqual([...SECTIONS]);
  });
});

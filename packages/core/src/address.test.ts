import { describe, expect, it } from 'vitest';
import { formatAddress } from './address.js';

describe('formatAddress', () => {
  it('formats IPv4, bracketed IPv6 and missing parts', () => {
    expect(formatAddress('127.0.0.1', 4000)).toBe('127.0.0.1:4000');
    expect(formatAddress('::1', 4000)).toBe('[::1]:4000');
    expect(formatAddress('::ffff:127.0.0.1', 80)).toBe('[::ffff:127.0.0.1]:80');
    expect(formatAddress(undefined, undefined)).toBe('unknown:0');
  });
});

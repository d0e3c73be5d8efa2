import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache } from '#local/gateway/verified-token-cache';

describe('the verified-token cache', () => {
  it('never holds more tokens than its capacity', () => {
    const cache = new VerifiedTokenCache<number>(100);
    for (let index = 0; index < 1_000; index++) cache.set(`token-${index}`, index);
    expect(cache.size).toBe(100);
    expect(cache.get('token-999')).toBe(999);
    expect(cache.get('token-899')).toBeUndefined();
  });

  it('keeps a token in use over one that was not used when it is full', () => {
    const cache = new VerifiedTokenCache<string>(2);
    cache.set('a', 'claims of a');
    cache.set('b', 'claims of b');
    cache.get('a');
    cache.set('c', 'claims of c');
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['claims of a', undefined, 'claims of c']);
  });

  it('stays within its capacity when every token held is in use', () => {
    const cache = new VerifiedTokenCache<string>(3);
    for (const token of ['a', 'b', 'c']) cache.set(token, token);
    for (const token of ['a', 'b', 'c']) cache.get(token);
    cache.set('d', 'd');
    expect(cache.size).toBe(3);
    expect(cache.get('d')).toBe('d');
  });

  it('forgets every token when cleared', () => {
    const cache = new VerifiedTokenCache<string>();
    cache.set('a', 'claims of a');
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses a capacity below one', () => {
    expect(() => new VerifiedTokenCache(0)).toThrow(RangeError);
  });
});

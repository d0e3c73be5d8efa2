import { describe, expect, it } from 'vitest';
import { deadLetterStreamOutput, deliveryStreamOutput } from '#shared/stack-outputs';

describe('deliveryStreamOutput', () => {
  it('keeps the plain key for an alphanumeric stream id', () => {
    expect(deliveryStreamOutput('orders')).toBe('DeliveryStreamorders');
  });

  it('gives ids that differ only in "-", "_" or "Z" escapes different keys', () => {
    const ids = ['a-b', 'ab', 'a_b', 'aZdb', 'aZb', 'a--b', 'aZub'];
    const keys = ids.map(deliveryStreamOutput);
    expect(new Set(keys).size).toBe(ids.length);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('keys dead-letter streams apart from record streams', () => {
    expect(deadLetterStreamOutput('orders')).not.toBe(deliveryStreamOutput('orders'));
  });
});

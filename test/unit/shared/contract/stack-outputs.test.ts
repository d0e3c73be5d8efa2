import { describe, expect, it } from 'vitest';
import {
  deadLetterStreamOutput,
  deliveryStreamOutput,
  streamOfDeliveryStreamOutput,
  tenantOfStackName,
  tenantStackName,
} from '#shared/contract/stack-outputs';

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

describe('the tenant stack name', () => {
  it('reads back the tenant of every name it gives, including one with a dash', () => {
    for (const tenant of ['example', 'a', 'acme-prod']) expect(tenantOfStackName(tenantStackName(tenant))).toBe(tenant);
  });

  it('names no tenant for the bare prefix or a stack Sluice did not name', () => {
    expect(tenantOfStackName(tenantStackName(''))).toBeUndefined();
    expect(tenantOfStackName('sluice-example')).toBeUndefined();
    expect(tenantOfStackName('Other-example')).toBeUndefined();
  });
});

describe('streamOfDeliveryStreamOutput', () => {
  it('gives back the stream id of every delivery stream output key', () => {
    for (const id of ['orders', 'a-b', 'a_b', 'aZdb', 'aZb', 'Z', 'ZZ-_', 'a--b']) {
      expect(streamOfDeliveryStreamOutput(deliveryStreamOutput(id))).toBe(id);
    }
  });

  it('gives nothing for other output keys', () => {
    expect(streamOfDeliveryStreamOutput(deadLetterStreamOutput('orders'))).toBeUndefined();
    expect(streamOfDeliveryStreamOutput('ApiUrl')).toBeUndefined();
    expect(streamOfDeliveryStreamOutput('DeliveryStream')).toBeUndefined();
    expect(streamOfDeliveryStreamOutput('DeliveryStreamaZx')).toBeUndefined();
  });
});

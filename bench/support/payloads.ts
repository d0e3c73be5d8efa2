/** The request bodies the benchmarks post: fixed, deterministic, and sized as the issue asks. */

/** A valid `orders` record (tenants/example.ts schema) of about `bytes` bytes of JSON. */
export function orderRecord(bytes = 1024, seed = 0): string {
  const items: { sku: string; qty: number }[] = [];
  const order = {
    order_id: `ord-${String(seed).padStart(8, '0')}`,
    customer_id: `cus-${String(seed % 997).padStart(6, '0')}`,
    amount: 129.95,
    currency: 'EUR',
    placed_at: '2026-11-24T10:15:30.123Z',
    items,
  };
  while (JSON.stringify(order).length + 30 <= bytes) {
    items.push({ sku: `SKU-${String(items.length).padStart(5, '0')}`, qty: (items.length % 9) + 1 });
  }
  return pad(JSON.stringify(order), bytes);
}

/** A schemaless `events` record of about `bytes` bytes of JSON. */
export function eventRecord(bytes = 1024, seed = 0): string {
  const attributes: Record<string, string | number | boolean> = {};
  const event = {
    event_id: `evt-${String(seed).padStart(10, '0')}`,
    type: 'page_view',
    at: '2026-11-24T10:15:30.123Z',
    user: { id: `u-${seed % 1009}`, anonymous: false, locale: 'de-DE' },
    attributes,
  };
  // The length is kept as attributes are added: stringifying the whole event per attribute
  // took 17 s for the 254 KiB record.
  let length = JSON.stringify(event).length;
  for (let index = 0; length + 40 <= bytes; index++) {
    const key = `attr_${index}`;
    const value = index % 3 === 0 ? index * 1.5 : index % 3 === 1 ? `value number ${index}` : true;
    attributes[key] = value;
    length += JSON.stringify(key).length + JSON.stringify(value).length + (index === 0 ? 1 : 2);
  }
  return pad(JSON.stringify(event), bytes);
}

// Fills the last bytes with a `note` field so every record has exactly the intended size.
function pad(json: string, bytes: number): string {
  const room = bytes - json.length - ',"note":""'.length;
  if (room < 0) return json;
  return `${json.slice(0, -1)},"note":"${'x'.repeat(room)}"}`;
}

/** An NDJSON batch of `count` schemaless events records of about 1 KiB each. */
export function eventsNdjson(count = 100): string {
  return Array.from({ length: count }, (_, index) => eventRecord(1024, index)).join('\n');
}

/** A `profiles` XML document of about `bytes` bytes. */
export function profileXml(bytes = 10 * 1024): string {
  const parts: string[] = [];
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n<profile id="p-000042" source="crm">\n';
  const tail = '</profile>\n';
  let size = head.length + tail.length;
  for (let index = 0; ; index++) {
    const entry = [
      `  <contact type="${index % 2 === 0 ? 'email' : 'phone'}" primary="${index === 0}">`,
      `<value>person.${index}@example.com</value>`,
      `<verified>2026-0${(index % 9) + 1}-1${index % 10}T08:00:00Z</verified>`,
      `<note>Kontakt Nr. ${index} &amp; Rückruf erwünscht</note>`,
      '</contact>\n',
    ].join('');
    if (size + entry.length > bytes) break;
    parts.push(entry);
    size += entry.length;
  }
  return `${head}${parts.join('')}${tail}`;
}

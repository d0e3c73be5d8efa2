/** Counts in messages: "1 record", "2 records", never "1 records". */

/** The count with the noun in the number it takes. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

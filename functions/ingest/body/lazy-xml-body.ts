/**
 * XML reading, imported on the first XML post: fast-xml-parser, its entity and number helpers
 * and the XML-to-CBOR framing are about a fifth of what a cold start loads, and a process that
 * only ever takes JSON never needs them (issue 24, docs/performance.md). The bundle splits them
 * into their own chunk (infra/function-bundling.ts).
 */
import type { readXmlBody } from './xml-body.ts';

/** What reads an XML body into records (xml-body.ts). */
export type XmlBodyReader = typeof readXmlBody;

let reader: XmlBodyReader | undefined;
let loading: Promise<XmlBodyReader> | undefined;

/** The XML body reader: imported once, on first use; a failed import is tried again by the next post. */
export async function xmlBodyReader(): Promise<XmlBodyReader> {
  if (reader) return reader;
  loading ??= import('./xml-body.ts').then(
    (module) => {
      reader = module.readXmlBody;
      return reader;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

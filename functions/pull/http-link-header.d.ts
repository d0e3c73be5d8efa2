/** The part of http-link-header (which ships no types) that the pull runner uses. */
declare module 'http-link-header' {
  interface Reference {
    readonly uri: string;
    readonly rel?: string;
    readonly [attribute: string]: string | undefined;
  }

  /** A parsed RFC 8288 Link header. */
  export default class Link {
    static parse(value: string): Link;
    readonly refs: Reference[];
  }
}

/**
 * The API reference component the docs page renders with (Scalar's standalone bundle, MIT),
 * served from the API's own origin: many tenants' networks reach no CDN. The api-docs function
 * carries it gzipped beside its code, which keeps its answer far below Lambda's 6 MB limit.
 */

/** The package export of Scalar's browser bundle (3.5 MB; about 1 MB gzipped). */
export const SCALAR_SCRIPT_MODULE = '@scalar/api-reference/browser/standalone.js';

/** File name of the gzipped bundle in the api-docs function's asset, beside its `index.mjs`. */
export const SCALAR_SCRIPT_ASSET = 'api-reference.js.gz';

/**
 * The API's self-description: the public GET routes that serve the OpenAPI document and the
 * docs page, and the API reference component the page renders with (Scalar's standalone
 * bundle, MIT), served from the API's own origin because many tenants' networks reach no CDN.
 * The api-docs function carries the bundle gzipped beside its code, which keeps its answer far
 * below Lambda's 6 MB response limit.
 */
import { API_REFERENCE_SCRIPT_PATH, DOCS_PATH, OPENAPI_PATH } from '../contract/contract.ts';

/** The paths of the api-docs routes, each a public `GET` route on AWS and in local mode. */
export const API_DOCS_PATHS: readonly string[] = [OPENAPI_PATH, DOCS_PATH, API_REFERENCE_SCRIPT_PATH];

/** The package export of Scalar's browser bundle (3.5 MB; about 1 MB gzipped). */
export const SCALAR_SCRIPT_MODULE = '@scalar/api-reference/browser/standalone.js';

/** File name of the gzipped bundle in the api-docs function's asset, beside its `index.mjs`. */
export const SCALAR_SCRIPT_ASSET = 'api-reference.js.gz';

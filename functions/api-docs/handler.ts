/**
 * The AWS entry of the api-docs function. The stack bundles it with the `#tenant-config` alias
 * (infra/function-bundling.ts) and puts Scalar's gzipped bundle beside it as a text asset.
 */

import { SCALAR_SCRIPT_ASSET } from '#shared/openapi/api-docs';
import tenant from '#tenant-config';
import { createApiDocsHandler } from './create-api-docs-handler.ts';
import { scalarScriptFromGzipFile } from './scalar-script.ts';

/** The Lambda handler; the script is read on its first use, not at cold start. */
export const handler = createApiDocsHandler(
  tenant,
  scalarScriptFromGzipFile(new URL(`./${SCALAR_SCRIPT_ASSET}`, import.meta.url)),
);

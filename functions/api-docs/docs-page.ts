/**
 * The docs page: a small HTML shell that loads Scalar's API reference from our own origin and
 * points it at the tenant's OpenAPI document. No inline script (the configuration travels in
 * data attributes), so the Content-Security-Policy can hold every fetch to the page's origin.
 */
import { API_REFERENCE_SCRIPT_PATH, OPENAPI_PATH } from '#shared/contract/contract';

/**
 * Scalar's configuration. Everything that would reach Scalar's cloud is off: its fonts CDN,
 * the "open in client.scalar.com" button, the developer toolbar (which offers to share the
 * document through Scalar's registry), the AI agent and telemetry. No `proxyUrl`: the test
 * request client then calls the document's server, this same origin, directly.
 */
export const SCALAR_CONFIGURATION = {
  withDefaultFonts: false,
  hideClientButton: true,
  showDeveloperTools: 'never',
  telemetry: false,
  agent: { disabled: true },
  persistAuth: false,
  documentDownloadType: 'json',
  defaultOpenAllTags: true,
} as const;

/**
 * Only our origin, for scripts, fetches, fonts and workers. Scalar injects its styles at run
 * time, hence inline styles; `data:` images are its icons and the empty favicon.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** The page for a tenant; `scriptVersion` makes the script's URL change with its content. */
export function docsPageHtml(tenant: string, scriptVersion: string): string {
  const scriptUrl = `${API_REFERENCE_SCRIPT_PATH}?v=${encodeURIComponent(scriptVersion)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Sluice API of ${tenant}`)}</title>
<link rel="icon" href="data:,">
</head>
<body>
<script id="api-reference" data-url="${escapeHtml(OPENAPI_PATH)}" data-configuration="${escapeHtml(JSON.stringify(SCALAR_CONFIGURATION))}"></script>
<script src="${escapeHtml(scriptUrl)}"></script>
</body>
</html>
`;
}

import { createHash } from 'node:crypto';
import type { OpenAPIV3_1 } from 'openapi-types';
import { escapeHtml } from '../http/escape-html.js';

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

// The page's only style, inline and allowed by its hash: no script, no request to anyone.
const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0 auto; max-width: 62rem; padding: 1rem 1.5rem 4rem; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
pre { overflow-x: auto; padding: 0.6rem; border: 1px solid #8884; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem; border-bottom: 1px solid #8884; }
article { border-top: 2px solid #8886; margin-top: 1.6rem; }
.method { font-weight: 700; text-transform: uppercase; margin-right: 0.4rem; }
nav ul { columns: 2; }
`;

export interface ReferencePage {
  html: string;
  /** Stricter than the app's page policy: nothing but this page's own style. */
  contentSecurityPolicy: string;
}

/** `code` spans in descriptions (the only markup they use), everything else escaped. */
const prose = (text: string | undefined) => escapeHtml(text ?? '').replace(/`([^`]+)`/g, '<code>$1</code>');

const slug = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
const anchorOf = (method: string, path: string) => slug(`${method} ${path}`);

function schemaBlock(label: string, schema: unknown): string {
  if (schema === undefined) return '';
  return `<details><summary>${escapeHtml(label)}</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`;
}

function securityText(document: Document, operation: Operation): string {
  const requirements = operation.security ?? document.security ?? [];
  if (requirements.length === 0) return 'none';
  return requirements
    .map((requirement) => {
      const names = Object.keys(requirement);
      return names.length === 0 ? 'nothing (a token in the body)' : names.map((name) => `<code>${escapeHtml(name)}</code>`).join(' and ');
    })
    .join(', or ');
}

function parametersTable(operation: Operation): string {
  const parameters = (operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
  if (parameters.length === 0) return '';
  const rows = parameters
    .map((parameter) => `<tr><td><code>${escapeHtml(parameter.name)}</code></td><td>${escapeHtml(parameter.in)}</td><td>${parameter.required ? 'yes' : 'no'}</td><td>${prose(parameter.description)}</td></tr>`)
    .join('');
  return `<h4>Parameters</h4><table><thead><tr><th scope="col">name</th><th scope="col">in</th><th scope="col">required</th><th scope="col">meaning</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function mediaSchemas(content: Record<string, OpenAPIV3_1.MediaTypeObject> | undefined, label: string): string {
  return Object.entries(content ?? {})
    .map(([type, media]) => schemaBlock(`${label} (${type})`, media.schema))
    .join('');
}

function operationArticle(document: Document, method: string, path: string, operation: Operation): string {
  const body = operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
  const responses = Object.entries(operation.responses ?? {}) as [string, OpenAPIV3_1.ResponseObject][];
  const responseRows = responses
    .map(([status, response]) => `<tr><th scope="row">${escapeHtml(status)}</th><td>${prose(response.description)}${mediaSchemas(response.content, 'body')}</td></tr>`)
    .join('');
  return `<article id="${anchorOf(method, path)}" aria-labelledby="${anchorOf(method, path)}-title">
<h3 id="${anchorOf(method, path)}-title"><span class="method">${method}</span><code>${escapeHtml(path)}</code></h3>
${operation.summary ? `<p>${prose(operation.summary)}</p>` : ''}${operation.description ? `<p>${prose(operation.description)}</p>` : ''}
<p>Authentication: ${securityText(document, operation)}</p>
${parametersTable(operation)}${body ? `<h4>Request body</h4>${mediaSchemas(body.content, 'schema')}` : ''}
<h4>Responses</h4><table><thead><tr><th scope="col">status</th><th scope="col">meaning</th></tr></thead><tbody>${responseRows}</tbody></table>
</article>`;
}

/** Every operation of the document, in path order, with its tag. */
function operationsOf(document: Document) {
  return Object.entries(document.paths ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = item?.[method];
        return operation ? [{ path, method, operation, tag: operation.tags?.[0] ?? 'other' }] : [];
      }),
    );
}

/** The API reference as one HTML page, rendered from the OpenAPI document (never written by hand). */
export function renderReferencePage(document: Document): ReferencePage {
  const operations = operationsOf(document);
  const tags = [...new Set(operations.map((entry) => entry.tag))];
  const schemes = Object.entries(document.components?.securitySchemes ?? {}) as [string, OpenAPIV3_1.SecuritySchemeObject][];
  const schemeRows = schemes
    .map(([name, scheme]) => {
      const how = scheme.type === 'http' ? `HTTP ${scheme.scheme}` : scheme.type === 'apiKey' ? `${scheme.in} <code>${escapeHtml(scheme.name)}</code>` : scheme.type;
      return `<tr><th scope="row"><code>${escapeHtml(name)}</code></th><td>${how}</td><td>${prose(scheme.description)}</td></tr>`;
    })
    .join('');
  const title = escapeHtml(document.info.title);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} reference</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${title}</h1>
<p>${prose(document.info.description)}</p>
<p>Version ${escapeHtml(document.info.version)} · OpenAPI ${escapeHtml(document.openapi)} · the same document as JSON: <a href="/api/openapi.json">/api/openapi.json</a></p></header>
<nav aria-label="Routes"><ul>${operations.map(({ method, path }) => `<li><a href="#${anchorOf(method, path)}"><span class="method">${method}</span>${escapeHtml(path)}</a></li>`).join('')}</ul></nav>
<main>
<section aria-labelledby="authentication"><h2 id="authentication">Authentication</h2>
<table><thead><tr><th scope="col">scheme</th><th scope="col">how</th><th scope="col">meaning</th></tr></thead><tbody>${schemeRows}</tbody></table></section>
${tags
  .map(
    (tag) => `<section aria-labelledby="tag-${slug(tag)}"><h2 id="tag-${slug(tag)}">${escapeHtml(tag)}</h2>
${operations
  .filter((entry) => entry.tag === tag)
  .map(({ method, path, operation }) => operationArticle(document, method, path, operation))
  .join('\n')}
</section>`,
  )
  .join('\n')}
</main>
</body>
</html>
`;
  const styleHash = createHash('sha256').update(STYLE).digest('base64');
  return {
    html,
    contentSecurityPolicy: `default-src 'none'; style-src 'sha256-${styleHash}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}

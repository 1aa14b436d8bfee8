// Every response a handler test receives is checked against openapi.yaml: status, body schema and headers, so
// the document cannot drift from the code. The function never loads this (ajv compiles schemas): tests only.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Context } from 'aws-lambda';
import { inject } from 'vitest';
import { readHttpRequest } from '#lib/handlers/http/request.ts';
import type { HttpResponse } from '#lib/handlers/http/responses.ts';
import { createRotateHandler, type RotateHandler } from '#lib/handlers/rotate/handler.ts';

type Node = Record<string, unknown>;
const document = inject('openapiDocument');
// No check of the document against JSON Schema's meta-schema: an OpenAPI document is no JSON Schema, so the check
// reaches none of the schemas under `components` or `paths` (ajv checks each as it compiles it), and it took ~75 ms
// at each test file's import.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
ajv.addSchema(document, 'openapi');

const paths = document.paths as Record<string, Record<string, Node>>;
const pointer = (ref: string) =>
  ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Node)[part], document) as Node;
const resolved = (node: Node): Node => (typeof node.$ref === 'string' ? resolved(pointer(node.$ref)) : node);

/** The schema of an error answer, for the answers no operation of the path documents (404, 405, InvalidEvent). */
const ERROR = 'openapi#/components/schemas/Error';

function validate(schemaRef: string, body: string): string[] {
  const check = ajv.getSchema(schemaRef) ?? ajv.compile({ $ref: schemaRef });
  return check(JSON.parse(body))
    ? []
    : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

/** What is wrong with `response` as an answer to `method path`, by openapi.yaml; nothing when it is documented. */
export function undocumented(method: string, path: string | undefined, response: HttpResponse): string[] {
  const problems: string[] = [];
  const header = (name: string) => response.headers[name];
  if (header('cache-control') !== 'no-store') problems.push('Cache-Control is not no-store');
  const template = path && Object.keys(paths).find((candidate) => pattern(candidate).test(path));
  const operation = template ? paths[template]?.[method.toLowerCase()] : undefined;
  if (template === undefined || operation === undefined) {
    // A path no operation serves is 404, a method no operation of the path takes is 405, a malformed event 400.
    const expected = path === undefined ? 400 : template === undefined ? 404 : 405;
    if (response.statusCode !== expected)
      problems.push(`status ${response.statusCode}, documented ${expected}`);
    if (
      expected === 405 &&
      header('allow') !==
        Object.keys(paths[template ?? ''] ?? {})
          .join(', ')
          .toUpperCase()
    ) {
      problems.push(`Allow: ${header('allow')}`);
    }
    return [...problems, ...validate(ERROR, response.body)];
  }
  const responses = operation.responses as Record<string, Node>;
  const documented = responses[String(response.statusCode)];
  if (documented === undefined) return [...problems, `status ${response.statusCode} is not documented`];
  const spec = resolved(documented);
  for (const name of Object.keys((spec.headers as Node | undefined) ?? {})) {
    if (name !== 'Cache-Control' && header(name.toLowerCase()) === undefined)
      problems.push(`no ${name} header`);
  }
  const schemaPath = `${jsonPointerOf(documented, spec, template, method, response.statusCode)}/content/application~1json/schema`;
  return [...problems, ...validate(`openapi#${schemaPath}`, response.body)];
}

const pattern = (template: string) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);

/** Where the documented response lives: under components when it was a $ref, else under the operation. */
function jsonPointerOf(documented: Node, _spec: Node, template: string, method: string, status: number) {
  if (typeof documented.$ref === 'string') return documented.$ref.slice(1);
  const escaped = template.replaceAll('~', '~0').replaceAll('/', '~1');
  return `/paths/${escaped}/${method.toLowerCase()}/responses/${status}`;
}

/** A handler whose every answer is checked against openapi.yaml; a test that gets an undocumented one fails. */
export const documented =
  (handler: RotateHandler): ((event: unknown, context: Context) => Promise<HttpResponse>) =>
  async (event, context) => {
    const response = await handler(event as Parameters<RotateHandler>[0], context);
    let request: { method: string; path: string | undefined };
    try {
      request = readHttpRequest(event);
    } catch {
      request = { method: '', path: undefined };
    }
    const problems = undocumented(request.method, request.path, response);
    if (problems.length > 0) {
      throw new Error(
        `${request.method} ${request.path} answered ${response.statusCode} ${response.body}, not as openapi.yaml documents: ${problems.join('; ')}`,
      );
    }
    return response;
  };

/** createRotateHandler, every answer checked against openapi.yaml. */
export const createDocumentedHandler = (...args: Parameters<typeof createRotateHandler>) =>
  documented(createRotateHandler(...args));

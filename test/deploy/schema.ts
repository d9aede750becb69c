// Validate rendered objects against the Kubernetes OpenAPI schema, pinned to one release:
// kubernetes-models 5.1.0 (generated from Kubernetes v1.36.0's OpenAPI spec; its validators are
// the spec compiled by ajv) and @kubernetes-models/prometheus-operator 6.0.0 for the monitoring
// CRDs. Both are exact versions in package.json: moving the Kubernetes version is a deliberate
// change there. The OpenAPI schema has no additionalProperties: false, so a misspelt field
// (`readinesProbe`) passes it, while the API server's strict field validation (kubectl's default)
// rejects it; `unknownFields` closes that gap with TypeScript's excess-property check against the
// same package's type declarations.
import ts from 'typescript';
import { join } from 'node:path';
import type { Obj } from './render.js';
import { ROOT } from '../helpers/run-bin.js';

/** The pinned Kubernetes version the validation follows (kubernetes-models 5.x). */
export const KUBERNETES_SCHEMA_VERSION = '1.36.0';

const CRD_GROUPS: Record<string, string> = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };

/** Module of a kind's model: core `v1/Pod`, `apps/v1/StatefulSet`, CRDs from their package. */
export function modelModule(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  if (CRD_GROUPS[group]) return `${CRD_GROUPS[group]}/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** Schema errors of one object (empty when valid); an unknown kind is an error too. */
export async function schemaErrors(o: Obj): Promise<string[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modelModule(o.apiVersion, o.kind))) as Record<string, unknown>;
  } catch {
    return [`no schema for ${o.apiVersion} ${o.kind} in the pinned packages`];
  }
  const Model = mod[o.kind] as (new (d: unknown) => { validate(): void }) | undefined;
  if (!Model) return [`no model class ${o.kind} in ${modelModule(o.apiVersion, o.kind)}`];
  try {
    new Model(o).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/**
 * Fields the schema does not know, for many objects in one TypeScript program (one file of
 * `const oN: IKind = <object literal>`): an excess-property error names the field and the type.
 * Returns one message per error, prefixed with the label of the object.
 */
export function unknownFields(objects: ReadonlyArray<{ label: string; obj: Obj }>): string[] {
  const lines: string[] = [];
  const labels: string[] = [];
  objects.forEach(({ label, obj }, i) => {
    lines.push(`import type { I${obj.kind} as T${i} } from '${modelModule(obj.apiVersion, obj.kind)}';`);
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(obj)};`);
    labels.push(label);
  });
  // a virtual file beside package.json, so module resolution finds node_modules
  const file = join(ROOT, '__deploy_schema_check__.ts');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const text = lines.join('\n') + '\n';
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, text, lang) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const idx = line >= 0 ? Math.floor(line / 2) : -1;
    return `${labels[idx] ?? '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

// The shape of src/: each folder a layer that imports only the layers below it, no import cycle, and no loose file
// at the root but the worker's entry. Read from the code's own imports with the TypeScript parser.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const SRC = join(__dirname, '..', '..', 'src');

/** Lowest first. A folder may import its own layer's files and any lower layer's, never a higher one's. */
const LAYERS: Record<string, number> = {
  contract: 0,
  domain: 1,
  connection: 1,
  process: 1,
  notices: 2,
  config: 2,
  cloudformation: 2,
  cdk: 2,
  visibility: 2,
  identity: 2,
  workflows: 3,
  activities: 3,
  client: 4,
  worker: 4,
  cli: 5,
  action: 5,
  'worker.ts': 6,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // (not this one)
    }
  }
  throw new Error(`${relative(SRC, from)}: cannot resolve ${specifier}`);
}

function edgesOf(file: string): Edge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const edges: Edge[] = [];
  const visit = (node: ts.Node) => {
    let specifier: string | undefined;
    let typeOnly = false;
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      specifier = node.moduleSpecifier.text;
      typeOnly = node.importClause?.isTypeOnly ?? false;
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifier = node.moduleSpecifier.text;
      typeOnly = node.isTypeOnly;
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specifier = node.arguments[0].text;
    }
    const to = specifier === undefined ? undefined : resolveImport(file, specifier);
    if (to !== undefined) edges.push({ from: file, to, typeOnly });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

const files = sourceFiles(SRC);
const edges = files.flatMap(edgesOf);
/** A file's layer: its top folder under src/, or the root file's own name. */
const layerOf = (file: string) => relative(SRC, file).split('/')[0] ?? '';

test('no loose file at the root of src/ but the worker entry', () => {
  const loose = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isFile());
  expect(loose).toEqual(['worker.ts']);
});

test('every folder of src/ has its layer', () => {
  const unknown = [...new Set(files.map(layerOf))].filter((layer) => LAYERS[layer] === undefined);
  expect(unknown).toEqual([]);
});

test('no import runs up a layer (types only may: the client names workflow types)', () => {
  const upward = edges
    .filter(({ from, to, typeOnly }) => !typeOnly && (LAYERS[layerOf(to)] ?? 0) > (LAYERS[layerOf(from)] ?? 0))
    .map(({ from, to }) => `${relative(SRC, from)} → ${relative(SRC, to)}`);
  expect(upward).toEqual([]);
  // Two layers of the same rank stay apart.
  const across = edges
    .filter(({ from, to, typeOnly }) => {
      const [a, b] = [layerOf(from), layerOf(to)];
      return !typeOnly && a !== b && LAYERS[a] === LAYERS[b];
    })
    .map(({ from, to }) => `${relative(SRC, from)} → ${relative(SRC, to)}`);
  expect(across).toEqual([]);
});

test('no import cycle', () => {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') {
        cycles.push([...path.slice(path.indexOf(to)), to].map((f) => relative(SRC, f)).join(' → '));
      } else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

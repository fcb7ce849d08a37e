// Builds the single-file deployctl and the GitHub Action: each one JavaScript file that runs with Node alone, no
// node_modules beside it (deployctl for any CI to fetch, the action as GitHub runs actions). Both are committed in
// bundle/; `--check` rebuilds them in memory and fails when a committed file differs (the tests run that), so what
// the repository holds is always what the source builds. `--built` writes dist/deployctl.js instead, the same
// deployctl unminified, which bin/deployctl.js runs (npm run build does this after tsc).
//
// Three things make deployctl start fast: its code is wrapped in scripts/code-cache-loader.js (V8's code cache, kept
// between runs), the Temporal API's protobuf root it carries leaves out what a client never uses (the Cloud API,
// the worker's core SDK messages, the REST mappings of each RPC), which Node would otherwise build at every start,
// and each RPC method is resolved when first called rather than all of them at connect.
const { build } = require('esbuild');
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const check = process.argv.includes('--check');
const built = process.argv.includes('--built');

/** The Temporal API's protobuf descriptors without what no client of this project reads (once for every output). */
let clientProtoText;
function clientProtoJson() {
  if (clientProtoText !== undefined) return clientProtoText;
  const { nested } = require('@temporalio/proto/protos/json-module.js').toJSON();
  delete nested.coresdk;
  delete nested.temporal.nested.api.nested.cloud;
  const strip = (namespace) => {
    for (const item of Object.values(namespace.nested ?? {})) {
      for (const method of Object.values(item.methods ?? {})) {
        delete method.options;
        delete method.parsedOptions;
      }
      strip(item);
    }
  };
  strip({ nested });
  clientProtoText = JSON.stringify(nested);
  return clientProtoText;
}

const clientProto = {
  name: 'client-proto',
  setup(build) {
    build.onLoad({ filter: /@temporalio[\\/]proto[\\/]protos[\\/]json-module\.js$/ }, () => ({
      // JSON.parse of one string: faster for V8 than the same object written out as code.
      contents: [
        'var $protobuf = require("protobufjs/light");',
        'var $root = $protobuf.roots.__temporal || ($protobuf.roots.__temporal = new $protobuf.Root());',
        `module.exports = $root.addJSON(JSON.parse(${JSON.stringify(clientProtoJson())}));`,
      ].join('\n'),
      loader: 'js',
    }));
  },
};

// protobufjs's Service#create resolves every method of a service, and builds its request and response classes, when
// the client connects: the Temporal client creates its four services at once, well over a hundred methods, of which
// deployctl calls a handful. In the bundle each method is resolved when it is first called instead. (A method is still
// a plain function: the client copies them all into a wrapper, which would defeat lazy getters.)
const EAGER_CREATE = `    for (var i = 0, method; i < /* initializes */ this.methodsArray.length; ++i) {
        var methodName = util.lcFirst((method = this._methodsArray[i]).resolve().name).replace(/[^$\\w_]/g, "");
        rpcService[methodName] = (function(method, requestType, responseType) {
            return function rpcMethod(request, callback) {
                return rpc.Service.prototype.rpcCall.call(this, method, requestType, responseType, request, callback);
            };
        })(method, method.resolvedRequestType.ctor, method.resolvedResponseType.ctor);
    }`;
const LAZY_CREATE = `    this.methodsArray.forEach(function(method) {
        var methodName = util.lcFirst(method.name).replace(/[^$\\w_]/g, "");
        var requestType, responseType;
        rpcService[methodName] = function rpcMethod(request, callback) {
            if (!requestType) {
                requestType = method.resolve().resolvedRequestType.ctor;
                responseType = method.resolvedResponseType.ctor;
            }
            return rpc.Service.prototype.rpcCall.call(this, method, requestType, responseType, request, callback);
        };
    });`;

const lazyServiceMethods = {
  name: 'lazy-service-methods',
  setup(build) {
    build.onLoad({ filter: /[\\/]protobufjs[\\/]src[\\/]service\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      // A protobufjs whose create differs fails the build here rather than bundling a patch that does not fit.
      if (!source.includes(EAGER_CREATE)) throw new Error(`${path}: Service#create is not the one this build patches`);
      return { contents: source.replace(EAGER_CREATE, LAZY_CREATE), loader: 'js' };
    });
  },
};

/** deployctl's code behind the code-cache loader, each of its lines a comment the loader reads back. */
function withCodeCache(code) {
  const payload = code.replace(/^#!.*\n/, '');
  const build = createHash('sha256').update(payload).digest('hex').slice(0, 16);
  const loader = readFileSync(join(__dirname, 'code-cache-loader.js'), 'utf8').replace('__BUILD__', build);
  return `${loader}//@@ code\n//${payload.replace(/(\r\n|[\r\n\u2028\u2029])/g, '$1//')}`;
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  plugins: [clientProto, lazyServiceMethods],
  write: false,
};

const outputs = built
  ? [{ path: join(root, 'dist', 'deployctl.js'), entry: 'src/cli/main.ts', cached: true, minify: true }]
  : [
      { path: join(root, 'bundle', 'deployctl.js'), entry: 'src/cli/main.ts', cached: true, minify: true },
      { path: join(root, 'bundle', 'action.js'), entry: 'src/action/main.ts', cached: false, minify: true },
    ];

async function main() {
  const stale = [];
  for (const output of outputs) {
    const result = await build({
      ...common,
      entryPoints: [output.entry],
      outfile: output.path,
      minify: output.minify,
      // The licences of what it contains, in a file beside it.
      legalComments: built ? 'none' : 'external',
      banner: { js: '#!/usr/bin/env node' },
    });
    for (const file of result.outputFiles) {
      const contents =
        file.path === output.path && output.cached ? Buffer.from(withCodeCache(file.text)) : Buffer.from(file.contents);
      if (!check) writeFileSync(file.path, contents);
      else if (!existsSync(file.path) || !readFileSync(file.path).equals(contents)) stale.push(file.path);
    }
  }

  if (stale.length > 0) {
    const names = stale.map((path) => path.slice(root.length + 1)).join(', ');
    process.stderr.write(`stale: ${names} does not match the source: run npm run bundle and commit the result\n`);
    process.exit(1);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});

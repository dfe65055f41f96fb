// Lets plain `node` run the TypeScript benchmarks and scripts without a build
// step: each .ts file is transpiled on require with the project's compiler.
const ts = require('typescript');
const fs = require('node:fs');

require.extensions['.ts'] = function registerTs(module, filename) {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: filename,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2022,
			esModuleInterop: true,
			sourceMap: false,
			inlineSourceMap: true,
		},
	});
	module._compile(outputText, filename);
};

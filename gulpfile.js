// Copies the non-TypeScript assets n8n needs next to the compiled nodes and
// credentials: icons (svg/png) and codex files (<Node>.node.json).
const { src, dest, series } = require('gulp');

function copyNodeAssets() {
	return src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json'], { encoding: false }).pipe(
		dest('dist/nodes'),
	);
}

function copyCredentialAssets() {
	return src(['credentials/**/*.{png,svg}'], { encoding: false, allowEmpty: true }).pipe(
		dest('dist/credentials'),
	);
}

exports.build = series(copyNodeAssets, copyCredentialAssets);
exports.default = exports.build;

// Bundles the designer, the DMN editor and the case-page viewer into webapp/static/dist/.
// Library CSS and fonts are bundled too, so no page loads anything from another origin.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(here, '..', 'dist');

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    designer: path.join(here, 'designer.js'),
    'dmn-editor': path.join(here, 'dmn-editor.js'),
    'case-diagram': path.join(here, 'case-diagram.js'),
    'designer-styles': path.join(here, 'designer.css'),
    'dmn-styles': path.join(here, 'dmn.css'),
    'viewer-styles': path.join(here, 'viewer.css'),
  },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['es2020'],
  outdir,
  // bpmn-js' fonts and the properties panel's icons are copied next to the CSS that names them
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  // the libraries mention process.env.NODE_ENV (preact); the browser has no process
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'info',
  legalComments: 'linked',
});

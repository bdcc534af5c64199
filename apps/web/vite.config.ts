import { defineConfig } from 'vite';

// Cross-origin isolation (COOP + COEP) lets the page use SharedArrayBuffer, which the threaded
// WebAssembly build of TensorFlow.js needs. A static host serving dist/ should send the same two
// headers to get threads; without them the page still trains, on one thread, and says so.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative asset paths: dist/ can be hosted as-is under any path.
  base: './',
  server: { headers: isolation },
  preview: { headers: isolation },
  resolve: {
    // One TensorFlow.js engine for the page and every @tfrl package.
    dedupe: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm'],
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 8192,
    // Not minified: the threaded wasm backend starts its workers from the source text of a
    // function (`toString()`), which breaks once a minifier renames what that function refers to
    // ("e is not defined" in every worker). Served gzipped, the bundle is about 0.8 MB.
    minify: false,
  },
});

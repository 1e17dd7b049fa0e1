import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The agent web client. Built into web/dist, which the local runtime serves (lib/local/http-server.ts)
 * and the CDK app deploys to S3 + CloudFront. The served CSP allows no inline script, so nothing
 * may be inlined into index.html.
 */
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Chromium/Firefox/Safari of the last years: no modulepreload polyfill, no legacy transforms.
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 300,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})

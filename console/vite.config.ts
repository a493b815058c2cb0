import { defineConfig } from "vitest/config";

// The console is served by Tapline itself at /; `npm run dev` proxies the API to a local server.
export default defineConfig({
  build: {
    outDir: "dist",
    assetsDir: "assets",
    manifest: true,
    // No inline <script> or data: module preload: the server's Content-Security-Policy forbids
    // inline code.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // ECharts is one chunk, loaded when a page first draws a chart; the first page's budget is
    // checked by scripts/check-size.mjs.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      onwarn(warning, warn) {
        // react-router marks its modules "use client", which means nothing outside React Server
        // Components.
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "^/(tapline\\.v1|v1|docs|internal)": "http://127.0.0.1:8080",
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});

import { defineConfig } from "@playwright/test";

// End-to-end tests in Debian's Chromium (no browser download), against a real Tapline server
// whose address and admin key the caller passes: TAPLINE_URL and TAPLINE_ADMIN_KEY. The server
// test ConsoleBrowserIT starts one on the embedded engine and runs these.
export default defineConfig({
  testDir: "e2e",
  outputDir: "target/playwright",
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: process.env.TAPLINE_URL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    acceptDownloads: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});

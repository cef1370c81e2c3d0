import type { NextConfig } from "next";

// byok-keyring needs no configuration: Turbopack and webpack both bundle it
// for the browser and for the server.
const nextConfig: NextConfig = {};

export default nextConfig;

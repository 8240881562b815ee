import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // Plot images come from the API as blobs; nothing goes through next/image.
  images: { unoptimized: true },
};

export default nextConfig;

import { describe, expect, it } from "vitest";
import { parseDockerfile } from "./image";

describe("parseDockerfile", () => {
  it("reads the final stage's copies with their stages' working directories, and the base from its ARG", () => {
    const img = parseDockerfile(`ARG BASE=node:22-bookworm-slim
FROM \${BASE} AS build
WORKDIR /src
RUN npm ci
FROM \${BASE}
WORKDIR /app
ENV NODE_ENV=production PORT=3000
COPY --from=build /src/a.mjs \\
     /src/b.mjs ./gantry/
COPY templates/ ./templates/
USER 1000:1000
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["web"]
`);
    expect(img.base).toBe("node:22-bookworm-slim");
    expect(img.stageWorkdirs).toEqual({ build: "/src" });
    expect(img.env).toEqual({ NODE_ENV: "production", PORT: "3000" });
    expect(img.copies).toEqual([
      { from: "build", sources: ["/src/a.mjs", "/src/b.mjs"], dest: "/app/gantry/", line: 8 },
      { from: undefined, sources: ["templates/"], dest: "/app/templates/", line: 10 },
    ]);
    expect([img.user, img.entrypoint, img.cmd]).toEqual(["1000:1000", ["/app/entrypoint.sh"], ["web"]]);
  });

  it("refuses what the content test could not reproduce, naming the line", () => {
    expect(() => parseDockerfile("FROM x\nRUN ln -s /tmp /app/cache\n")).toThrow("Dockerfile line 2: RUN in the final stage");
    expect(() => parseDockerfile("FROM x\nCOPY --chown=1000 a /b\n")).toThrow("Dockerfile line 2: COPY --chown=1000");
    expect(() => parseDockerfile("FROM x\nHEALTHCHECK CMD true\n")).toThrow("no HEALTHCHECK");
  });
});

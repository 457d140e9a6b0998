import { aptInstall, which } from "../proc";

/**
 * Debian's buildah, the local executor's image builder (templates/kaniko-build.yaml), installed
 * like Prometheus when it is missing. Returns why it cannot be had here, or null.
 */
export async function ensureBuildah(): Promise<string | null> {
  if (which("buildah")) return null;
  // aptInstall stops the whole run when it cannot even try; here a missing buildah only fails the image suite.
  if (!which("apt-get") || (process.getuid?.() !== 0 && !which("sudo")))
    return "buildah is not installed (as root: apt-get install buildah)";
  try {
    await aptInstall(["buildah"], "the image-build tests build and push images with buildah");
  } catch (e) {
    return `could not install Debian's buildah package: ${(e as Error).message}`;
  }
  return which("buildah") ? null : "Debian's buildah package is not installed (apt-get install buildah)";
}

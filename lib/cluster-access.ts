/** Cluster credentials of deploy tasks (templates with `needsClusterAccess`), worded once for every place that refuses them. */

export function noDeployAccountMessage(template: string): string {
  return `template '${template}' talks to the Kubernetes API and needs the project's deploy service account: a maintainer sets 'Deploy service account' in the project's settings`;
}

/** What a proposed change of a pipeline kept in its repository opened (the designer and the Spec editor). */
export function ProposedChange({ proposed }: { proposed: { url: string; branch: string } }) {
  return (
    <p role="status" className="rounded-md border bg-st-succeeded/10 px-3 py-2 text-sm">
      Pull request opened:{" "}
      <a className="font-medium text-primary underline" href={proposed.url} target="_blank" rel="noreferrer">
        {proposed.url}
      </a>{" "}
      (branch <code>{proposed.branch}</code>). Its run shows the change working; merging it saves the new version.
    </p>
  );
}

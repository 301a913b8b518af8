export function PipelinePage({ env, name }: { env: string; name?: string }) {
  return (
    <h1>
      Pipeline {env}/{name ?? 'new'}
    </h1>
  );
}

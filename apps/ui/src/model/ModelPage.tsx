export function ModelPage({ env, name }: { env: string; name?: string }) {
  return (
    <h1>
      Model {env}/{name ?? 'new'}
    </h1>
  );
}

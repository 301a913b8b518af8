export function ChangesPage() {
  return <h1>ChangesPage</h1>;
}

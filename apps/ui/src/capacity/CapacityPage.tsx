export function CapacityPage() {
  return <h1>CapacityPage</h1>;
}

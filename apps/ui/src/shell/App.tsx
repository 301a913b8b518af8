/** The panel's frame: navigation between the pages, and the page of the current route. */
import { lazy, Suspense } from 'react';
import { CapacityPage } from '../capacity/CapacityPage.tsx';
import { ChangesPage } from '../changes/ChangesPage.tsx';
import { FleetPage } from '../fleet/FleetPage.tsx';
import { ModelPage } from '../model/ModelPage.tsx';
import { useRoute, type PageRoute } from './route.ts';

// The pipeline editor brings React Flow and ELK (most of the bundle): loaded when first opened, so
// the fleet page paints without waiting for them.
const PipelinePage = lazy(() => import('../pipeline/PipelinePage.tsx').then((m) => ({ default: m.PipelinePage })));

const NAV: readonly { readonly page: PageRoute['page']; readonly label: string; readonly hash: string }[] = [
  { page: 'fleet', label: 'Fleet', hash: '#/fleet' },
  { page: 'capacity', label: 'Capacity', hash: '#/capacity' },
  { page: 'changes', label: 'Changes', hash: '#/changes' },
];

export function App() {
  const route = useRoute();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">tritonops</span>
        <nav aria-label="Pages">
          <ul>
            {NAV.map((item) => (
              <li key={item.page}>
                <a href={item.hash} aria-current={route.page === item.page ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="scope">edits spec files in this repository · never talks to a cluster</span>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'fleet' && <FleetPage />}
        {route.page === 'capacity' && <CapacityPage />}
        {route.page === 'changes' && <ChangesPage />}
        {route.page === 'pipeline' && (
          <Suspense fallback={<p role="status">Loading the pipeline editor…</p>}>
            <PipelinePage key={`${route.env}/${route.name ?? ''}`} env={route.env} {...(route.name ? { name: route.name } : {})} />
          </Suspense>
        )}
        {route.page === 'model' && <ModelPage key={`${route.env}/${route.name ?? ''}`} env={route.env} {...(route.name ? { name: route.name } : {})} />}
      </main>
    </>
  );
}

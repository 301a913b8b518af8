/**
 * The panel's pages as hash routes (`#/pipelines/staging/speech-to-image`): the server serves one
 * page, so every view has a URL a user can reload or share with no server route per view.
 */
import { useEffect, useState } from 'react';
import { confirmLeave } from './unsaved.ts';

export type PageRoute =
  | { readonly page: 'fleet' }
  | { readonly page: 'capacity' }
  | { readonly page: 'changes' }
  | { readonly page: 'pipeline'; readonly env: string; readonly name?: string }
  | { readonly page: 'model'; readonly env: string; readonly name?: string };

const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseRoute(hash: string): PageRoute {
  const [page, env, name, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const valid = (s: string | undefined) => s !== undefined && NAME.test(s);
  if (rest.length === 0 && (page === 'pipelines' || page === 'models') && valid(env) && (name === undefined || name === 'new' || valid(name))) {
    return { page: page === 'pipelines' ? 'pipeline' : 'model', env: env!, ...(name && name !== 'new' ? { name } : {}) };
  }
  if (page === 'capacity' || page === 'changes') return { page };
  return { page: 'fleet' };
}

export function routeHash(route: PageRoute): string {
  switch (route.page) {
    case 'pipeline':
      return `#/pipelines/${route.env}/${route.name ?? 'new'}`;
    case 'model':
      return `#/models/${route.env}/${route.name ?? 'new'}`;
    default:
      return `#/${route.page}`;
  }
}

export function useRoute(): PageRoute {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    let shown = window.location.hash;
    const onChange = () => {
      if (window.location.hash === shown) return;
      // Stay (and put the address back) when the page holds edits the user does not want to lose.
      if (!confirmLeave()) {
        window.history.replaceState(null, '', shown || window.location.pathname);
        return;
      }
      shown = window.location.hash;
      setRoute(parseRoute(shown));
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(route: PageRoute): void {
  window.location.hash = routeHash(route);
}

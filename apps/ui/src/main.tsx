import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { sessionToken } from './api/client.ts';
import { App } from './shell/App.tsx';
import '@xyflow/react/dist/style.css';
import './styles.css';

sessionToken();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

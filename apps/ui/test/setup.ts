// Component tests render into jsdom; each test starts with an empty document.
import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';

afterEach(() => cleanup());

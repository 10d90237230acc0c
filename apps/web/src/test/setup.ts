import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(cleanup);
// jsdom's localStorage is shared by every test of a file, like an origin's by its tabs.
beforeEach(() => localStorage.clear());

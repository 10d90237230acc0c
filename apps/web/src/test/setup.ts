import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(cleanup);
// jsdom's localStorage is shared by every test of a file, like an origin's by its tabs.
beforeEach(() => localStorage.clear());
// findBy… and waitFor give up after this long. Testing Library's 1 s is too short on a busy two-core
// machine, where a test that types a whole form can take longer than that to render its answer.
configure({ asyncUtilTimeout: 5_000 });

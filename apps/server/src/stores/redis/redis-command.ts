import { StoreUnavailableError } from '../types.js';

/** Runs Redis commands; any failure of Redis itself becomes StoreUnavailableError, so the request fails closed with 503. */
export async function redisCommand<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(error);
  }
}

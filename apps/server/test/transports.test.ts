import { describeTransportContract } from './support/transport-contract.js';
import { STRATEGY_CLIENTS } from './support/strategy-clients.js';

// Every storage strategy's transport against the one shared suite (test/support/transport-contract.ts).
for (const client of STRATEGY_CLIENTS) describeTransportContract(client);

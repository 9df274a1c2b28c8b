import { strategyConformance } from '../../../packages/core/test/strategies/strategy-conformance.js';
import { localPlugin, loginRequest, newCredentials, openTestStorage } from './helpers/storage.js';

strategyConformance({
  name: 'local',
  makePlugin: async () => {
    const { storage, cleanup } = await openTestStorage();
    return { plugin: await localPlugin(storage), cleanup };
  },
  validCredentials: newCredentials,
  loginArgs: (credentials) => [credentials['username'], credentials['password']],
  wrongLoginArgs: (credentials) => [credentials['username'], `${String(credentials['password'])}!`],
  passportRequest: (credentials) => loginRequest(credentials),
});

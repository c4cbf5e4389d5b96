import noLostUpdate from '../rules/no-lost-update';
import noStaleCheck from '../rules/no-stale-check';
import noUnawaitedInLock from '../rules/no-unawaited-in-lock';
import requireLockRelease from '../rules/require-lock-release';
import { buildConfigs } from './configs';

import { readPackageMeta } from './util/package-meta';

const { name, version } = readPackageMeta();

const rules = {
  'no-lost-update': noLostUpdate,
  'no-stale-check': noStaleCheck,
  'no-unawaited-in-lock': noUnawaitedInLock,
  'require-lock-release': requireLockRelease,
};

const plugin = {
  meta: { name, version },
  rules,
  configs: {} as ReturnType<typeof buildConfigs>,
};
plugin.configs = buildConfigs(plugin, rules);

export = plugin;

import noIneffectiveLock from '../rules/no-ineffective-lock';
import noLockReentry from '../rules/no-lock-reentry';
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
  'require-lock-release': requireLockRelease,
  'no-lock-reentry': noLockReentry,
  'no-unawaited-in-lock': noUnawaitedInLock,
  'no-ineffective-lock': noIneffectiveLock,
};

const plugin = {
  meta: { name, version },
  rules,
  configs: {} as ReturnType<typeof buildConfigs>,
};
plugin.configs = buildConfigs(plugin, rules);

export = plugin;

// Public entry point of the component package.
export { MySqlCluster } from "./mysql-cluster";
export { MySqlClusterArgs, ResolvedArgs, resolveArgs, MySqlClusterConfigError, DEFAULTS, Toleration } from "./args";
export { Flavor, FLAVORS } from "./flavors";
export { renderCluster, renderObjects, PASSWORD_PLACEHOLDER, RenderedCluster, RenderedResource } from "./render";
export { argsFromConfig, STACK_SETTINGS } from "./stack-config";

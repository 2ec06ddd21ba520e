// The RBAC authorizer of the local API server: Roles, ClusterRoles and their
// bindings decide each request as Kubernetes' RBAC authorizer does.
//  - A request is allowed when any rule of any role bound to the user in the
//    request's namespace (RoleBinding) or cluster-wide (ClusterRoleBinding)
//    allows it; there is no deny (plugin/pkg/auth/authorizer/rbac/rbac.go,
//    RBACAuthorizer.Authorize / RulesAllow).
//  - A rule allows when verb, API group, resource and resource name all match;
//    "*" matches any verb, group or resource; an empty resourceNames matches
//    every name, a non-empty one only a request carrying one of those names
//    (pkg/apis/rbac/v1/evaluation_helpers.go: VerbMatches, APIGroupMatches,
//    ResourceMatches, ResourceNameMatches).
//  - A create or an unfiltered list has no name in its RequestInfo, so a rule
//    with resourceNames never allows it; a list/watch with the field selector
//    metadata.name=<n> carries <n> as its name
//    (staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go;
//    docs: kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources).
//  - A ServiceAccount subject without a namespace means the binding's own
//    namespace; the user name is system:serviceaccount:<ns>:<name>, in the
//    groups system:serviceaccounts, system:serviceaccounts:<ns> and
//    system:authenticated (pkg/registry/rbac/validation/rule.go appliesToUser;
//    staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go).

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyObject = Record<string, any>;

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Attributes {
  user: UserInfo;
  verb: string;
  namespace: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  /** "" for a create or an unfiltered list. */
  name: string;
}

export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

const has = (list: string[] | undefined, want: string): boolean => (list ?? []).some((x) => x === "*" || x === want);

export function ruleAllows(rule: PolicyRule, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resOk = (rule.resources ?? []).some(
    (r) => r === "*" || r === combined || (a.subresource !== "" && r === `*/${a.subresource}`),
  );
  if (!resOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

function appliesToUser(subject: AnyObject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case "User":
      return subject.name === user.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount": {
      const ns = subject.namespace || bindingNamespace;
      return ns !== "" && `system:serviceaccount:${ns}:${subject.name}` === user.name;
    }
    default:
      return false;
  }
}

export class RbacAuthorizer {
  private roles = new Map<string, PolicyRule[]>(); // "<ns>/<name>"
  private clusterRoles = new Map<string, PolicyRule[]>();
  private bindings: AnyObject[] = [];
  private clusterBindings: AnyObject[] = [];

  /** Adds Role, ClusterRole, RoleBinding and ClusterRoleBinding objects; other kinds are ignored. */
  load(objects: AnyObject[]): void {
    for (const o of objects) {
      const ns = o.metadata?.namespace ?? "";
      switch (o.kind) {
        case "Role":
          this.roles.set(`${ns}/${o.metadata.name}`, o.rules ?? []);
          break;
        case "ClusterRole":
          this.clusterRoles.set(o.metadata.name, o.rules ?? []);
          break;
        case "RoleBinding":
          this.bindings = this.bindings.filter(
            (b) => !(b.metadata.namespace === ns && b.metadata.name === o.metadata.name),
          );
          this.bindings.push(o);
          break;
        case "ClusterRoleBinding":
          this.clusterBindings = this.clusterBindings.filter((b) => b.metadata.name !== o.metadata.name);
          this.clusterBindings.push(o);
          break;
      }
    }
  }

  clear(): void {
    this.roles.clear();
    this.clusterRoles.clear();
    this.bindings = [];
    this.clusterBindings = [];
  }

  private rulesOf(roleRef: AnyObject, bindingNamespace: string): PolicyRule[] {
    if (roleRef?.kind === "ClusterRole") return this.clusterRoles.get(roleRef.name) ?? [];
    if (roleRef?.kind === "Role") return this.roles.get(`${bindingNamespace}/${roleRef.name}`) ?? [];
    return [];
  }

  authorize(a: Attributes): boolean {
    for (const b of this.clusterBindings) {
      if ((b.subjects ?? []).some((s: AnyObject) => appliesToUser(s, a.user, "")))
        if (this.rulesOf(b.roleRef, "").some((r) => ruleAllows(r, a))) return true;
    }
    for (const b of this.bindings) {
      const ns = b.metadata?.namespace ?? "";
      if (ns !== a.namespace) continue;
      if ((b.subjects ?? []).some((s: AnyObject) => appliesToUser(s, a.user, ns)))
        if (this.rulesOf(b.roleRef, ns).some((r) => ruleAllows(r, a))) return true;
    }
    return false;
  }
}

/**
 * The message of a 403, as responsewriters.forbiddenMessage writes it
 * (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go).
 */
export function forbiddenMessage(a: Attributes): string {
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : "at the cluster scope";
  return `User "${a.user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

//! `can-i`: `kubectl auth can-i`, offline, over RBAC manifests and Kubernetes' default policy.
//!
//! The question is kubectl's: `VERB TYPE`, `VERB TYPE/NAME` or `VERB /URL`, with
//! `--subresource`, `-n NAMESPACE` (default `default`, as kubectl without a namespace in its
//! kubeconfig) or `-A`. TYPE is resolved as kubectl resolves it against a v1.32 API server's
//! built-in resources (short names such as `csr`, plural, singular or kind, `TYPE.GROUP`,
//! `TYPE.VERSION.GROUP`); a name that is not built in is refused, unless given fully as
//! `TYPE.VERSION.GROUP` (a custom resource). kubectl's warnings are printed as kubectl prints
//! them: a cluster-scoped resource asked in a namespace, an unknown verb.
//!
//! The answer comes from kube-apiserver's usual chain — `system:masters`, the Node
//! authorizer's CSR rules, then RBAC — for `--as USER` and `--as-group GROUP`s with
//! `system:authenticated` added as impersonation adds it. RBAC holds every object of every
//! `--manifests`/`-f` file, in order, and Kubernetes' default ClusterRoles and binding for
//! certificates (unless `--no-default-policy`): a manifest's role of the same name stands for
//! the default, and the default binding is visited after the manifests' bindings. It prints `yes`, or `no` with ` - <reason>` when there is one; `-q` prints
//! nothing; `-v` adds the evidence: the granting binding, its subject and rule, or the bindings
//! that matched and the rule that is missing. `--list` prints kubectl's table of every allowed
//! action.
//!
//! The batch form (`--json --requests FILE`) reads one request per line,
//! `{"user","groups":[],"verb","apiGroup","resource","subresource","name","namespace","path"}`,
//! asks RBAC alone with the groups exactly as given, and prints `{"allowed":bool,"reason":"..."}`
//! per line with Kubernetes' exact RBAC reason.
//!
//! Exit status: 0 when everything asked was allowed (and for `--list`), 1 otherwise, 2 on usage
//! or input errors.

use std::io::{BufRead as _, Write};

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, AuthorizerChain, BindingKind, IndexedAuthorizer, ManifestError,
    NodeAuthorizer, Object, Policy, PolicyRule, PrivilegedGroupAuthorizer, bootstrap,
    breakdown_rule, compact_rules, parse_manifests, resources,
};

use super::common::{Failure, as_u64, io_text, read_input, read_or_fail};

/// The usage lines.
pub(crate) const USAGE: &str = "usage: can_i --manifests FILE... [--as USER] [--as-group GROUP]... [-n NAMESPACE | -A] [--subresource SUB] [-q] [-v] VERB TYPE[/NAME] [NAME]
       can_i --manifests FILE... [--as USER] [--as-group GROUP]... [-v] VERB /URL
       can_i --manifests FILE... [--as USER] [--as-group GROUP]... [-n NAMESPACE] --list [--no-headers]
       can_i --manifests FILE... --json --requests REQUESTS.jsonl";

/// The question and where the policy comes from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    /// The manifest files, in order (`-` is standard input).
    pub(crate) manifests: Vec<String>,
    /// Leave Kubernetes' default roles and bindings out.
    pub(crate) no_default_policy: bool,
    /// `--as`.
    pub(crate) user: String,
    /// `--as-group`.
    pub(crate) groups: Vec<String>,
    /// `-n`.
    pub(crate) namespace: Option<String>,
    /// `-A`.
    pub(crate) all_namespaces: bool,
    /// `--subresource`.
    pub(crate) subresource: String,
    /// `-q`.
    pub(crate) quiet: bool,
    /// `-v`.
    pub(crate) verbose: bool,
    /// `--list`.
    pub(crate) list: bool,
    /// `--no-headers`.
    pub(crate) no_headers: bool,
    /// `--json`.
    pub(crate) json: bool,
    /// `--requests`.
    pub(crate) requests: Option<String>,
    /// VERB, TYPE[/NAME] or /URL, and the optional NAME.
    pub(crate) positional: Vec<String>,
}

/// Answers; the exit status.
pub(crate) fn run(
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
    program: &str,
) -> Result<u8, Failure> {
    if options.manifests.is_empty() {
        return Err(Failure::Usage("--manifests (or -f) is required".to_owned()));
    }
    check_flags(options)?;
    let policy = load_policy(options, err, program)?;
    if options.json {
        let Some(requests) = &options.requests else {
            return Err(Failure::Usage("--json needs --requests FILE".to_owned()));
        };
        if !options.positional.is_empty() {
            return Err(Failure::Usage("--json takes no VERB or TYPE".to_owned()));
        }
        return batch(&policy, requests, out);
    }
    if options.list {
        return list(&policy, options, out, err);
    }
    single(&policy, options, out, err)
}

/// kubectl's checks of flag combinations, with its texts.
fn check_flags(o: &Options) -> Result<(), Failure> {
    let usage = |s: &str| Err(Failure::Usage(s.to_owned()));
    if o.list {
        if !o.positional.is_empty() {
            return usage("list option must be specified with no arguments");
        }
        if o.quiet || o.all_namespaces || !o.subresource.is_empty() {
            return usage(
                "list option can't be specified with neither quiet, all-namespaces nor subresource options",
            );
        }
    } else if o.no_headers {
        return usage("--no-headers cannot be set without --list specified");
    }
    if o.all_namespaces && o.namespace.is_some() {
        return usage("-n and -A (--all-namespaces) can not be used together");
    }
    Ok(())
}

/// Every manifest's objects, in order, then Kubernetes' default policy (unless left out): its
/// ClusterRoles where no manifest defines one of the same name (an object read from a cluster
/// is the cluster's version of the default), its binding after the manifests' bindings, so that
/// a manifest's binding is the one named when both allow.
fn load_policy(o: &Options, err: &mut dyn Write, program: &str) -> Result<Policy, Failure> {
    let mut policy = Policy::new();
    for file in &o.manifests {
        let bytes = read_or_fail(file, 2)?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let (line, column) = super::common::line_column(&bytes, e.valid_up_to());
            Failure::input(file, Some(line), Some(column), "not valid UTF-8", 2)
        })?;
        let manifests = parse_manifests(text).map_err(|e| manifest_failure(file, &e))?;
        if manifests.objects.is_empty() && manifests.warnings.is_empty() {
            return Err(Failure::input(
                file,
                None,
                None,
                "no objects in the file (an empty manifest grants nothing)",
                2,
            ));
        }
        for warning in &manifests.warnings {
            writeln!(err, "{program}: warning: {file}: {warning}")?;
        }
        for object in manifests.objects {
            if let Err(e) = object.validate() {
                writeln!(
                    err,
                    "{program}: warning: {file}: the API server would refuse {} {:?}: {e}",
                    object.kind(),
                    object.metadata().name
                )?;
            }
            policy.add(object);
        }
    }
    if !o.no_default_policy {
        let mut roles = bootstrap::csr_cluster_roles();
        roles.push(bootstrap::certificate_controller_role());
        for role in roles {
            if policy.cluster_role(&role.metadata.name).is_none() {
                policy.add(Object::ClusterRole(role));
            }
        }
        policy.add(Object::ClusterRoleBinding(
            bootstrap::certificate_controller_binding(),
        ));
    }
    Ok(policy)
}

fn manifest_failure(file: &str, e: &ManifestError) -> Failure {
    match e {
        ManifestError::Json {
            line,
            column,
            message,
        } => {
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            Failure::input(
                file,
                Some(as_u64(*line)),
                Some(as_u64(*column)),
                format!("invalid JSON: {message}"),
                2,
            )
        }
        ManifestError::Yaml {
            document,
            line,
            column,
            message,
        } => Failure::input(
            file,
            line.map(as_u64),
            column.map(as_u64),
            format!("invalid YAML in document {document}: {message}"),
            2,
        ),
        other => Failure::input(file, None, None, other, 2),
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestLine {
    #[serde(default)]
    user: String,
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    verb: String,
    #[serde(default)]
    api_group: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    subresource: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    path: String,
}

#[derive(serde::Serialize)]
struct OutputLine<'a> {
    allowed: bool,
    reason: &'a str,
}

fn batch(policy: &Policy, requests: &str, out: &mut dyn Write) -> Result<u8, Failure> {
    let bytes =
        read_input(requests).map_err(|e| Failure::input(requests, None, None, io_text(&e), 2))?;
    let authorizer = IndexedAuthorizer::new(policy);
    let mut all_allowed = true;
    for (number, line) in bytes.lines().enumerate() {
        let at = Some(as_u64(number + 1));
        let line = line.map_err(|e| Failure::input(requests, at, None, e, 2))?;
        if line.trim().is_empty() {
            continue;
        }
        let request: RequestLine = serde_json::from_str(&line).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m)
                .to_owned();
            Failure::input(requests, at, Some(as_u64(e.column())), message, 2)
        })?;
        let user = UserInfo::new(request.user, request.groups.unwrap_or_default());
        let attributes = if request.path.is_empty() {
            Attributes::resource(user, request.verb, request.api_group, request.resource)
                .with_subresource(request.subresource)
                .with_name(request.name)
                .with_namespace(request.namespace)
        } else {
            Attributes::non_resource(user, request.verb, request.path)
                .with_namespace(request.namespace)
        };
        let decision = authorizer.authorize(&attributes);
        all_allowed &= decision.is_allowed();
        let line = serde_json::to_string(&OutputLine {
            allowed: decision.is_allowed(),
            reason: decision.reason(),
        })
        .map_err(|e| Failure::input(requests, at, None, e, 2))?;
        writeln!(out, "{line}")?;
    }
    Ok(if all_allowed { 0 } else { 1 })
}

/// kubectl's known verbs.
const RESOURCE_VERBS: [&str; 16] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "*",
    "approve",
    "sign",
    "escalate",
    "attest",
];
const NON_RESOURCE_VERBS: [&str; 8] = [
    "get", "put", "post", "head", "options", "delete", "patch", "*",
];

fn user(options: &Options) -> UserInfo {
    UserInfo::new(options.user.clone(), options.groups.clone()).with_authenticated_group()
}

fn namespace(options: &Options) -> String {
    if options.all_namespaces {
        String::new()
    } else {
        options
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned())
    }
}

fn single(
    policy: &Policy,
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let (verb, target, extra_name) = match options.positional.as_slice() {
        [verb, target] => (verb, target, None),
        [verb, target, name] => (verb, target, Some(name)),
        _ => {
            return Err(Failure::Usage(
                "you must specify two arguments: verb resource or verb resource/resourceName."
                    .to_owned(),
            ));
        }
    };
    let user = user(options);
    let attributes = if target.starts_with('/') {
        if !options.subresource.is_empty() {
            return Err(Failure::Usage(
                "--subresource can not be used with NonResourceURL".to_owned(),
            ));
        }
        if extra_name.is_some() {
            return Err(Failure::Usage(
                "NonResourceURL and ResourceName can not specified together".to_owned(),
            ));
        }
        if !NON_RESOURCE_VERBS.contains(&verb.as_str()) {
            writeln!(err, "Warning: verb '{verb}' is not a known verb")?;
        }
        Attributes::non_resource(user, verb.clone(), target.clone())
    } else {
        let (type_arg, name) = match target.split_once('/') {
            Some((t, n)) => (t, n.to_owned()),
            None => (target.as_str(), String::new()),
        };
        let name = match (name.is_empty(), extra_name) {
            (true, Some(n)) => n.clone(),
            (false, Some(_)) => {
                return Err(Failure::Usage(
                    "give the name once: TYPE/NAME or TYPE NAME".to_owned(),
                ));
            }
            (_, None) => name,
        };
        let (group, resource, namespaced) = match resources::resolve(type_arg) {
            Ok(r) => (
                r.group().to_owned(),
                r.resource().to_owned(),
                r.namespaced(),
            ),
            Err(unknown) if unknown.is_non_standard() => (String::new(), type_arg.to_owned(), true),
            Err(unknown) => {
                return Err(Failure::Input {
                    message: format!(
                        "{} (not a built-in resource of Kubernetes v1.32; give a custom resource as TYPE.VERSION.GROUP)",
                        unknown.kubectl_warning()
                    ),
                    status: 2,
                });
            }
        };
        if !namespaced && !options.all_namespaces {
            if group.is_empty() {
                writeln!(
                    err,
                    "Warning: resource '{resource}' is not namespace scoped"
                )?;
            } else {
                writeln!(
                    err,
                    "Warning: resource '{resource}' is not namespace scoped in group '{group}'"
                )?;
            }
        }
        if !RESOURCE_VERBS.contains(&verb.as_str()) {
            writeln!(err, "Warning: verb '{verb}' is not a known verb")?;
        }
        Attributes::resource(user, verb.clone(), group, resource)
            .with_subresource(options.subresource.clone())
            .with_name(name)
            .with_namespace(namespace(options))
    };
    let chain = AuthorizerChain::new()
        .with(PrivilegedGroupAuthorizer::system_masters())
        .with(NodeAuthorizer)
        .with(IndexedAuthorizer::new(policy));
    let decision = chain.authorize(&attributes);
    if !options.quiet {
        if decision.is_allowed() {
            writeln!(out, "yes")?;
        } else if decision.reason().is_empty() {
            writeln!(out, "no")?;
        } else {
            writeln!(out, "no - {}", decision.reason())?;
        }
        if options.verbose {
            explain(policy, &attributes, out)?;
        }
    }
    Ok(if decision.is_allowed() { 0 } else { 1 })
}

fn explain(policy: &Policy, attributes: &Attributes, out: &mut dyn Write) -> std::io::Result<()> {
    if PrivilegedGroupAuthorizer::system_masters()
        .authorize(attributes)
        .is_allowed()
    {
        return writeln!(
            out,
            "allowed to every member of system:masters, before RBAC is asked"
        );
    }
    if NodeAuthorizer.authorize(attributes).is_allowed() {
        return writeln!(
            out,
            "allowed by the Node authorizer (nodes may create, get, list and watch CSRs)"
        );
    }
    let why = policy.explain(attributes);
    let place = |kind: BindingKind, name: &str, namespace: &str| match kind {
        BindingKind::ClusterRoleBinding => format!("ClusterRoleBinding {name:?}"),
        BindingKind::RoleBinding => format!("RoleBinding {name:?} in {namespace:?}"),
    };
    if let Some(grant) = &why.grant {
        let b = &grant.binding;
        return writeln!(
            out,
            "allowed by {} (subject {} {:?}): rule {} of {} {:?}: {}",
            place(b.kind, &b.name, &b.namespace),
            b.subject.kind,
            b.subject.name,
            grant.rule_index,
            b.role_kind,
            b.role_name,
            grant.rule.compact_string()
        );
    }
    if why.matched.is_empty() {
        writeln!(
            out,
            "no RoleBinding or ClusterRoleBinding names this user or any of its groups"
        )?;
    }
    for m in &why.matched {
        let place = place(m.kind, &m.name, &m.namespace);
        match &m.error {
            Some(e) => writeln!(
                out,
                "{place} names {} {:?}, but: {e}",
                m.subject.kind, m.subject.name
            )?,
            None => writeln!(
                out,
                "{place} names {} {:?}, but {} {:?} has no rule for this request",
                m.subject.kind, m.subject.name, m.role_kind, m.role_name
            )?,
        }
    }
    if let Some(rule) = &why.missing_rule {
        writeln!(out, "a rule that would allow it: {}", rule.compact_string())?;
    }
    Ok(())
}

/// `--list`: the rules kube-apiserver's SelfSubjectRulesReview would return for the user in
/// the namespace, printed as kubectl prints them (broken down, compacted, sorted, in a table).
fn list(
    policy: &Policy,
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let user = user(options);
    let mut rules = Vec::new();
    if user.in_group(kube_tls_bootstrap::identity::SYSTEM_PRIVILEGED_GROUP) {
        rules.push(PolicyRule::new(["*"]).groups(["*"]).resources(["*"]));
        rules.push(PolicyRule::new(["*"]).urls(["*"]));
    }
    let is_node = user
        .name
        .starts_with(kube_tls_bootstrap::identity::NODE_USER_PREFIX)
        && user.in_group(kube_tls_bootstrap::identity::NODES_GROUP);
    let (rbac_rules, errors) = policy.rules_for(&user, &namespace(options));
    rules.extend(rbac_rules);
    let mut evaluation = Vec::new();
    if is_node {
        evaluation.push("node authorizer does not support user rule resolution".to_owned());
    }
    evaluation.extend(errors);
    if !evaluation.is_empty() {
        writeln!(
            err,
            "Warning: the list may be incomplete: {}",
            aggregate(&evaluation)
        )?;
    }
    let broken: Vec<PolicyRule> = rules.iter().flat_map(breakdown_rule).collect();
    let mut compact = compact_rules(&broken);
    compact.sort_by_cached_key(go_rule_string);
    let mut rows = Vec::new();
    if !options.no_headers {
        rows.push(["Resources", "Non-Resource URLs", "Resource Names", "Verbs"].map(str::to_owned));
    }
    for r in &compact {
        rows.push([
            combine_resource_group(&r.resources, &r.api_groups),
            go_list(&r.non_resource_urls),
            go_list(&r.resource_names),
            go_list(&r.verbs),
        ]);
    }
    write!(out, "{}", tab_table(&rows))?;
    Ok(0)
}

/// Go's `utilerrors.NewAggregate(...).Error()`: one message alone, several in `[…]`.
fn aggregate(messages: &[String]) -> String {
    match messages {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// `fmt.Sprintf("%v", []string{…})`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// The `String()` of Go's generated `rbacv1.PolicyRule`, which kubectl sorts the rules by.
fn go_rule_string(r: &PolicyRule) -> String {
    format!(
        "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
        go_list(&r.verbs),
        go_list(&r.api_groups),
        go_list(&r.resources),
        go_list(&r.resource_names),
        go_list(&r.non_resource_urls)
    )
}

/// kubectl's `describe.CombineResourceGroup`: the first resource with the first group
/// (`certificatesigningrequests.certificates.k8s.io/approval`).
fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(first) = resources.first() else {
        return String::new();
    };
    let (resource, sub) = match first.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (first.as_str(), None),
    };
    let mut combined = resource.to_owned();
    if let Some(group) = groups.first().filter(|g| !g.is_empty()) {
        combined.push('.');
        combined.push_str(group);
    }
    if let Some(sub) = sub {
        combined.push('/');
        combined.push_str(sub);
    }
    combined
}

/// Go's `tabwriter.NewWriter(out, 10, 4, 3, ' ', 0)` (kubectl's table writer) over rows whose
/// last cell ends the line.
fn tab_table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()).take(N.saturating_sub(1)) {
            *w = (*w).max(cell.chars().count() + 3).max(10);
        }
    }
    let mut text = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            text.push_str(cell);
            if i + 1 < N {
                let pad = widths[i].saturating_sub(cell.chars().count());
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        text.push('\n');
    }
    text
}

//! `kubectl auth can-i`, offline, over RBAC manifests.
//!
//! ```text
//! can_i --manifests FILE [--as USER] [--as-group GROUP]... [-n NAMESPACE] [-v] VERB RESOURCE[.GROUP][/SUB] [NAME]
//! can_i --manifests FILE [--as USER] [--as-group GROUP]... [-v] VERB /NON/RESOURCE/URL
//! can_i --manifests FILE --json --requests REQUESTS.jsonl
//! ```
//!
//! FILE is YAML (one or more documents) or JSON (an object, a `List`, or an array). The single
//! query prints `yes` or `no` (with ` - <reason>` when there is one, as kubectl does) and, with
//! `-v`, the evidence: the granting binding and rule, or the bindings that matched and the rule
//! that is missing. It asks kube-apiserver's usual chain — `system:masters`, the Node
//! authorizer's CSR rules, then RBAC — for `--as USER` with `system:authenticated` added as
//! impersonation adds it.
//!
//! The batch form reads one request per line,
//! `{"user","groups":[],"verb","apiGroup","resource","subresource","name","namespace","path"}`
//! (missing keys are empty; `path` set means a non-resource request), asks RBAC alone with the
//! groups exactly as given, and prints `{"allowed":bool,"reason":"..."}` per line with
//! Kubernetes' exact RBAC reason. Bindings are visited in manifest order.
//!
//! Exit status: 0 when everything asked was allowed, 1 otherwise, 2 on usage or input errors.
// An admin tool: it reads the files named on its command line.
#![allow(clippy::disallowed_methods)]

use std::io::{BufRead, Write};
use std::process::ExitCode;

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, AuthorizerChain, BindingKind, IndexedAuthorizer, NodeAuthorizer, Policy,
    PrivilegedGroupAuthorizer, parse_manifests,
};

const USAGE: &str = "usage: can_i --manifests FILE [--as USER] [--as-group GROUP]... [-n NAMESPACE] [-v] VERB RESOURCE[.GROUP][/SUB] [NAME]
       can_i --manifests FILE [--as USER] [--as-group GROUP]... [-v] VERB /URL
       can_i --manifests FILE --json --requests REQUESTS.jsonl";

#[derive(Default)]
struct Options {
    manifests: Option<String>,
    user: String,
    groups: Vec<String>,
    namespace: String,
    verbose: bool,
    json: bool,
    requests: Option<String>,
    positional: Vec<String>,
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

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let options = parse_args(std::env::args().skip(1))?;
    let Some(file) = &options.manifests else {
        return Err(format!("can_i: --manifests is required\n{USAGE}"));
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("can_i: {file}: {e}"))?;
    let manifests = parse_manifests(&text).map_err(|e| format!("can_i: {file}: {e}"))?;
    for warning in &manifests.warnings {
        eprintln!("can_i: warning: {warning}");
    }
    for object in &manifests.objects {
        if let Err(e) = object.validate() {
            eprintln!("can_i: warning: the API server would refuse this object: {e}");
        }
    }
    let policy = Policy::from_objects(manifests.objects);
    if options.json {
        let Some(requests) = &options.requests else {
            return Err(format!("can_i: --json needs --requests FILE\n{USAGE}"));
        };
        if !options.positional.is_empty() {
            return Err(format!("can_i: --json takes no VERB or RESOURCE\n{USAGE}"));
        }
        return batch(&policy, requests);
    }
    single(&policy, &options)
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("can_i: {name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--manifests" => options.manifests = Some(value("--manifests")?),
            "--as" => options.user = value("--as")?,
            "--as-group" => options.groups.push(value("--as-group")?),
            "-n" | "--namespace" => options.namespace = value("-n")?,
            "--requests" => options.requests = Some(value("--requests")?),
            "-v" | "--verbose" => options.verbose = true,
            "--json" => options.json = true,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            f if f.starts_with('-') && f.len() > 1 => {
                return Err(format!("can_i: unknown flag {f}\n{USAGE}"));
            }
            _ => options.positional.push(arg),
        }
    }
    Ok(options)
}

fn batch(policy: &Policy, requests: &str) -> Result<bool, String> {
    let file = std::fs::File::open(requests).map_err(|e| format!("can_i: {requests}: {e}"))?;
    let authorizer = IndexedAuthorizer::new(policy);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut all_allowed = true;
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("can_i: {requests}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let request: RequestLine = serde_json::from_str(&line)
            .map_err(|e| format!("can_i: request line {}: {e}", number + 1))?;
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
        .map_err(|e| format!("can_i: {e}"))?;
        writeln!(out, "{line}").map_err(|e| format!("can_i: {e}"))?;
    }
    out.flush().map_err(|e| format!("can_i: {e}"))?;
    Ok(all_allowed)
}

fn single(policy: &Policy, options: &Options) -> Result<bool, String> {
    let (verb, target, name) = match options.positional.as_slice() {
        [verb, target] => (verb, target, None),
        [verb, target, name] => (verb, target, Some(name)),
        _ => return Err(format!("can_i: expected VERB RESOURCE [NAME]\n{USAGE}")),
    };
    let user =
        UserInfo::new(options.user.clone(), options.groups.clone()).with_authenticated_group();
    let attributes = if target.starts_with('/') {
        if name.is_some() {
            return Err(format!("can_i: a URL takes no NAME\n{USAGE}"));
        }
        Attributes::non_resource(user, verb.clone(), target.clone())
    } else {
        let (resource, subresource) = target.split_once('/').unwrap_or((target, ""));
        let (resource, group) = resource.split_once('.').unwrap_or((resource, ""));
        Attributes::resource(user, verb.clone(), group, resource)
            .with_subresource(subresource)
            .with_name(name.cloned().unwrap_or_default())
            .with_namespace(options.namespace.clone())
    };
    let chain = AuthorizerChain::new()
        .with(PrivilegedGroupAuthorizer::system_masters())
        .with(NodeAuthorizer)
        .with(IndexedAuthorizer::new(policy));
    let decision = chain.authorize(&attributes);
    if decision.is_allowed() {
        println!("yes");
    } else if decision.reason().is_empty() {
        println!("no");
    } else {
        println!("no - {}", decision.reason());
    }
    if options.verbose {
        explain(policy, &attributes);
    }
    Ok(decision.is_allowed())
}

fn explain(policy: &Policy, attributes: &Attributes) {
    if PrivilegedGroupAuthorizer::system_masters()
        .authorize(attributes)
        .is_allowed()
    {
        println!("allowed to every member of system:masters, before RBAC is asked");
        return;
    }
    if NodeAuthorizer.authorize(attributes).is_allowed() {
        println!("allowed by the Node authorizer (nodes may create, get, list and watch CSRs)");
        return;
    }
    let why = policy.explain(attributes);
    if let Some(grant) = &why.grant {
        println!(
            "rule {} of {} {:?}: {}",
            grant.rule_index,
            grant.binding.role_kind,
            grant.binding.role_name,
            grant.rule.compact_string()
        );
        return;
    }
    if why.matched.is_empty() {
        println!("no RoleBinding or ClusterRoleBinding names this user or any of its groups");
    }
    for m in &why.matched {
        let place = match m.kind {
            BindingKind::ClusterRoleBinding => format!("ClusterRoleBinding {:?}", m.name),
            BindingKind::RoleBinding => format!("RoleBinding {:?} in {:?}", m.name, m.namespace),
        };
        match &m.error {
            Some(e) => println!(
                "{place} names {} {:?}, but: {e}",
                m.subject.kind, m.subject.name
            ),
            None => println!(
                "{place} names {} {:?}, but {} {:?} has no rule for this request",
                m.subject.kind, m.subject.name, m.role_kind, m.role_name
            ),
        }
    }
    if let Some(rule) = &why.missing_rule {
        println!("a rule that would allow it: {}", rule.compact_string());
    }
}

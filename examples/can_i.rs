//! `kubectl auth can-i`, offline, over RBAC manifests and Kubernetes' default policy.
//!
//! ```text
//! can_i --manifests FILE... [--as USER] [--as-group GROUP]... [-n NAMESPACE | -A] [--subresource SUB] [-q] [-v] VERB TYPE[/NAME] [NAME]
//! can_i --manifests FILE... [--as USER] [--as-group GROUP]... [-v] VERB /NON/RESOURCE/URL
//! can_i --manifests FILE... [--as USER] [--as-group GROUP]... [-n NAMESPACE] --list [--no-headers]
//! can_i --manifests FILE... --json --requests REQUESTS.jsonl
//! ```
//!
//! `--manifests` (or `-f`) may be repeated; each FILE is YAML (one or more documents, a byte
//! order mark allowed) or JSON (an object, a `List`, an array, or kubectl's stream of
//! concatenated objects); an empty file is an error. Kubernetes' default ClusterRoles and
//! bindings for certificates are loaded first unless `--no-default-policy`. TYPE is resolved
//! as kubectl resolves it (`csr`, `pods`, `Pod`, `deployments.apps`,
//! `csr.v1.certificates.k8s.io`); TYPE/NAME names an object, `--subresource` a subresource. The
//! single query prints `yes` or `no` (with ` - <reason>` when there is one, as kubectl does);
//! `-q` prints nothing; with `-v`, the evidence: the granting binding, subject and rule, or the
//! bindings that matched and the rule that is missing. `--list` prints kubectl's table of
//! allowed actions.
//!
//! The batch form reads one request per line,
//! `{"user","groups":[],"verb","apiGroup","resource","subresource","name","namespace","path"}`
//! (missing keys are empty; `path` set means a non-resource request), asks RBAC alone with the
//! groups exactly as given, and prints `{"allowed":bool,"reason":"..."}` per line with
//! Kubernetes' exact RBAC reason. Bindings are visited in manifest order.
//!
//! Exit status: 0 when everything asked was allowed, 1 otherwise, 2 on usage or input errors.
//!
//! The same tool is `ktb can-i`; both run `ktb/src/tools/can_i.rs`.

use std::process::ExitCode;

#[path = "../ktb/src/tools/can_i.rs"]
mod can_i;
#[path = "../ktb/src/tools/common.rs"]
mod common;
#[path = "../ktb/src/tools/example_args.rs"]
mod example_args;

fn main() -> ExitCode {
    const SPEC: &[example_args::Spec] = &[
        (&["--manifests", "-f"], true),
        (&["--no-default-policy"], false),
        (&["--as"], true),
        (&["--as-group"], true),
        (&["--namespace", "-n"], true),
        (&["--all-namespaces", "-A"], false),
        (&["--subresource"], true),
        (&["--quiet", "-q"], false),
        (&["--verbose", "-v"], false),
        (&["--list"], false),
        (&["--no-headers"], false),
        (&["--json"], false),
        (&["--requests"], true),
    ];
    let result = example_args::parse(std::env::args().skip(1), SPEC).and_then(|args| {
        if args.flag("--help") {
            println!("{}", can_i::USAGE);
            return Ok(0);
        }
        let options = can_i::Options {
            manifests: args.values("--manifests"),
            no_default_policy: args.flag("--no-default-policy"),
            user: args.value("--as").unwrap_or_default(),
            groups: args.values("--as-group"),
            namespace: args.value("--namespace"),
            all_namespaces: args.flag("--all-namespaces"),
            subresource: args.value("--subresource").unwrap_or_default(),
            quiet: args.flag("--quiet"),
            verbose: args.flag("--verbose"),
            list: args.flag("--list"),
            no_headers: args.flag("--no-headers"),
            json: args.flag("--json"),
            requests: args.value("--requests"),
            positional: args.positional,
        };
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        can_i::run(&options, &mut out, &mut std::io::stderr().lock(), "can_i").and_then(|status| {
            std::io::Write::flush(&mut out)?;
            Ok(status)
        })
    });
    ExitCode::from(common::finish("can_i", can_i::USAGE, result))
}

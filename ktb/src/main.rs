//! `ktb`: kube-tls-bootstrap's admin tools as one kubectl-like command.
//!
//! ```text
//! ktb lint-tokens [--json] [--strict] FILE...
//! ktb inspect-csr [--json] [--signer NAME] [--usages U1,U2 | --legacy-usages] FILE...
//! ktb sign-csr --ca-cert F --ca-key F [--now RFC3339] [--serial-hex HEX] --usages U1,U2 CSR
//! ktb can-i -f FILE... [--as USER] [--as-group G]... [-n NS | -A] [--subresource S] [-q] [-v] VERB TYPE[/NAME]
//! ktb get-csr [--now RFC3339] FILE
//! ```
//!
//! Each subcommand takes the flags of the example of the same name (`cargo run --example
//! lint_tokens`, …) and prints the same output from the same code (`ktb/src/tools/`). The
//! library does no I/O; this program reads the files, the clock (`--now` defaults to the
//! current time) and the operating system's random bytes (`--serial-hex` defaults to 16 random
//! bytes). `-` names standard input. A closed output pipe ends the program quietly with status
//! 141, as a tool killed by SIGPIPE.
#![allow(clippy::disallowed_methods)] // the CLI reads files and the clock; the library does not

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kube_tls_bootstrap::pki::signers;

#[path = "tools/can_i.rs"]
mod can_i;
#[path = "tools/common.rs"]
mod common;
#[path = "tools/get_csr.rs"]
mod get_csr;
#[path = "tools/inspect_csr.rs"]
mod inspect_csr;
#[path = "tools/lint_tokens.rs"]
mod lint_tokens;
#[path = "tools/sign_csr.rs"]
mod sign_csr;

#[derive(Parser)]
#[command(
    name = "ktb",
    version,
    about = "The kubelet TLS-bootstrap admin tools: what Kubernetes would say, offline",
    long_about = "The kubelet TLS-bootstrap admin tools: what kube-apiserver, \
kube-controller-manager and kubectl would say, offline and byte for byte.\n\n\
Every FILE may be `-` for standard input. Flags take `--flag value` or `--flag=value`, in any \
order. Errors are printed as `ktb SUBCOMMAND: FILE:LINE:COLUMN: message` (line and column when \
there are some); usage errors exit 2."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// What kube-apiserver `--token-auth-file` would load from each token file, and lint
    /// findings.
    #[command(
        long_about = "What kube-apiserver `--token-auth-file` would load from each token file, \
with lint findings beside it.\n\n\
Prints, per file, `FILE: loads: N tokens, M warnings`, each identity (the token only as a \
`sha256:` fingerprint) and kube-apiserver's warnings, or `FILE: does not load …` and \
kube-apiserver's exact error, byte for byte. Then this tool's own findings, each on a line \
starting `  lint (line L, KIND): `: a UTF-8 byte order mark glued to the first token \
(byte-order-mark), a header row loaded as a credential (header-row), groups with a leading or \
trailing space (group-space), empty groups (empty-group), unquoted groups that lost their tail \
(unquoted-groups), tokens under 32 bytes (short-token), one token for several users \
(reused-token), no record at all (empty-file).\n\n\
--json prints one object per file: file, entries, warnings, error (kube-apiserver's) and lint.\n\n\
Exit status: 0 when every file loads (with --strict: and has no lint finding), 1 otherwise, 2 \
on a usage error."
    )]
    LintTokens(LintTokensArgs),
    /// The API server's create path, the kubelet checks and the signer on each CSR file.
    #[command(
        long_about = "What the API server's create path (validation, then admission), the \
kubelet client and serving checks and the signer would say about each PEM CSR file, and the \
kubelet's `node-csr-` name for it.\n\n\
Prints, per file: `api server: accepted` or `refused (Invalid|Forbidden): <the API server's \
message>`, the validation and admission stages, the kubelet checks, `signer NAME: would sign` or \
`would not sign: <why, in the signer's words>`, the subject, the key, and the name with the \
usages hashed into it. --json prints one object per file (file, api, kubelet_client, \
kubelet_serving, name, subject, key, validation, admission, signer, name_usages).\n\n\
Exit status: 0 when the signer would sign every file, 1 otherwise (or a file cannot be read), \
2 on a usage error."
    )]
    InspectCsr(InspectCsrArgs),
    /// The certificate kube-controller-manager's signer would issue for a CSR.
    #[command(
        long_about = "The certificate kube-controller-manager's signer would issue for a PEM \
CSR, signed with the given CA.\n\n\
Prints the certificate PEM. --now defaults to the current time and --serial-hex to 16 random \
bytes.\n\n\
Exit status: 0 when the certificate was printed; 1 when the signer refuses \
(`Failed: SignerValidationFailure: <message>` on standard error, the controller's condition) or \
another error stops it (`error: <message>`); 2 on a usage error."
    )]
    SignCsr(SignCsrArgs),
    /// `kubectl auth can-i`, offline, over RBAC manifests and the default policy.
    #[command(
        long_about = "`kubectl auth can-i`, offline, over RBAC manifests and Kubernetes' \
default ClusterRoles and bindings for certificates (--no-default-policy leaves them out).\n\n\
TYPE is resolved as kubectl resolves it (short names such as csr, plural, singular or kind, \
TYPE.GROUP, TYPE.VERSION.GROUP); a name that is not a built-in resource is refused. The \
namespace is `default` unless -n or -A is given, as with kubectl; kubectl's warnings are \
printed on standard error.\n\n\
Prints `yes`, or `no` and ` - <reason>` when there is one; -q prints nothing; -v adds the \
granting binding, subject and rule, or the bindings that matched and the missing rule. --list \
prints kubectl's table of allowed actions. --json --requests FILE answers one JSON request per \
line with RBAC alone.\n\n\
Exit status: 0 when allowed (and for --list), 1 when not, 2 on usage or input errors."
    )]
    CanI(CanIArgs),
    /// `kubectl get csr` for a `kubectl get csr -o json|yaml` document.
    #[command(
        long_about = "The table `kubectl get csr` prints, for a `kubectl get csr -o json` or \
`-o yaml` document (one object or a list), at --now (default: the current time).\n\n\
An empty list prints `No resources found` on standard error, as kubectl does. A field that is \
not valid base64 is named with its path.\n\n\
Exit status: 0 when the table was printed, 1 when the document cannot be read, 2 on a usage \
error."
    )]
    GetCsr(GetCsrArgs),
}

#[derive(Args)]
struct LintTokensArgs {
    /// One JSON object per file.
    #[arg(long)]
    json: bool,
    /// Exit 1 when a file has a lint finding.
    #[arg(long)]
    strict: bool,
    /// Token files (`-` for standard input).
    #[arg(required = true)]
    files: Vec<String>,
}

#[derive(Args)]
struct InspectCsrArgs {
    /// One JSON object per file.
    #[arg(long)]
    json: bool,
    /// spec.signerName.
    #[arg(long, default_value = signers::KUBE_APISERVER_CLIENT_KUBELET)]
    signer: String,
    /// spec.usages, comma-separated, in the order sent [default: what a current kubelet sends,
    /// "digital signature,client auth"].
    #[arg(long, conflicts_with = "legacy_usages")]
    usages: Option<String>,
    /// The usages kubelets sent before v1.27: "digital signature,key encipherment,client auth".
    #[arg(long)]
    legacy_usages: bool,
    /// PEM CSR files (`-` for standard input).
    #[arg(required = true)]
    files: Vec<String>,
}

#[derive(Args)]
struct SignCsrArgs {
    /// The CA certificate (PEM).
    #[arg(long)]
    ca_cert: String,
    /// The CA private key (PEM).
    #[arg(long)]
    ca_key: String,
    /// The signing instant (RFC 3339) [default: now].
    #[arg(long)]
    now: Option<String>,
    /// The serial number in hex, below 2^128 [default: 16 random bytes].
    #[arg(long)]
    serial_hex: Option<String>,
    /// kube-controller-manager's --cluster-signing-duration, in seconds.
    #[arg(long, default_value_t = sign_csr::DEFAULT_SIGNING_DURATION)]
    signing_duration: i64,
    /// spec.expirationSeconds.
    #[arg(long)]
    expiration_seconds: Option<i32>,
    /// spec.signerName.
    #[arg(long, default_value = signers::KUBE_APISERVER_CLIENT_KUBELET)]
    signer: String,
    /// spec.usages, comma-separated.
    #[arg(long)]
    usages: String,
    /// The PEM CSR (`-` for standard input).
    csr: String,
}

#[derive(Args)]
struct CanIArgs {
    /// RBAC manifest files, YAML or JSON (`-` for standard input); repeat for several.
    #[arg(long = "manifests", short = 'f', required = true, value_name = "FILE")]
    manifests: Vec<String>,
    /// Leave out Kubernetes' default ClusterRoles and bindings.
    #[arg(long)]
    no_default_policy: bool,
    /// The user to ask for.
    #[arg(
        long = "as",
        default_value = "",
        hide_default_value = true,
        value_name = "USER"
    )]
    user: String,
    /// A group of the user; repeat for several.
    #[arg(long = "as-group", value_name = "GROUP")]
    groups: Vec<String>,
    /// The namespace [default: default].
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// Ask in all namespaces.
    #[arg(long, short = 'A')]
    all_namespaces: bool,
    /// A subresource such as `approval` or `status`.
    #[arg(long, default_value = "", hide_default_value = true)]
    subresource: String,
    /// Print nothing; only the exit status answers.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print the evidence after the answer.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Print every allowed action.
    #[arg(long)]
    list: bool,
    /// With --list: no header row.
    #[arg(long)]
    no_headers: bool,
    /// Answer the requests of --requests as JSON lines.
    #[arg(long, requires = "requests")]
    json: bool,
    /// One JSON request per line.
    #[arg(long, value_name = "FILE")]
    requests: Option<String>,
    /// VERB and TYPE[/NAME] or /URL (and, as the example accepts, NAME).
    #[arg(num_args = 0..=3, value_name = "VERB TYPE[/NAME] | VERB /URL")]
    args: Vec<String>,
}

#[derive(Args)]
struct GetCsrArgs {
    /// The instant AGE is computed at (RFC 3339) [default: now].
    #[arg(long)]
    now: Option<String>,
    /// The document (`-` for standard input).
    file: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    // The second value is the example's usage line, which clap's own usage replaces here.
    let (program, _, result) = match cli.command {
        Command::LintTokens(a) => {
            let options = lint_tokens::Options {
                json: a.json,
                strict: a.strict,
                files: a.files,
            };
            (
                "ktb lint-tokens",
                lint_tokens::USAGE,
                lint_tokens::run(&options, &mut out),
            )
        }
        Command::InspectCsr(a) => {
            let usages = match (a.usages, a.legacy_usages) {
                (Some(u), _) => u,
                (None, true) => inspect_csr::LEGACY_KUBELET_USAGES.to_owned(),
                (None, false) => inspect_csr::KUBELET_USAGES.to_owned(),
            };
            let options = inspect_csr::Options {
                json: a.json,
                signer: a.signer,
                usages,
                files: a.files,
            };
            (
                "ktb inspect-csr",
                inspect_csr::USAGE,
                inspect_csr::run(&options, &mut out, &mut err, "ktb inspect-csr"),
            )
        }
        Command::SignCsr(a) => (
            "ktb sign-csr",
            sign_csr::USAGE,
            sign_options(a).and_then(|o| sign_csr::run(&o, &mut out, &mut err)),
        ),
        Command::CanI(a) => {
            let options = can_i::Options {
                manifests: a.manifests,
                no_default_policy: a.no_default_policy,
                user: a.user,
                groups: a.groups,
                namespace: a.namespace,
                all_namespaces: a.all_namespaces,
                subresource: a.subresource,
                quiet: a.quiet,
                verbose: a.verbose,
                list: a.list,
                no_headers: a.no_headers,
                json: a.json,
                requests: a.requests,
                positional: a.args,
            };
            (
                "ktb can-i",
                can_i::USAGE,
                can_i::run(&options, &mut out, &mut err, "ktb can-i"),
            )
        }
        Command::GetCsr(a) => (
            "ktb get-csr",
            get_csr::USAGE,
            common::now_or_current(a.now.as_deref()).and_then(|now| {
                get_csr::run(&get_csr::Options { now, file: a.file }, &mut out, &mut err)
            }),
        ),
    };
    let result = result.and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    drop(out);
    // clap prints its own usage errors; the tools' own checks point at --help, as kubectl does.
    let hint = format!("See '{program} --help' for help and examples.");
    ExitCode::from(common::finish(program, &hint, result))
}

fn sign_options(a: SignCsrArgs) -> Result<sign_csr::Options, common::Failure> {
    let serial = match a.serial_hex {
        Some(hex) => sign_csr::parse_serial(&hex).map_err(common::Failure::Usage)?,
        None => random_serial()?,
    };
    Ok(sign_csr::Options {
        ca_cert: a.ca_cert,
        ca_key: a.ca_key,
        now: common::now_or_current(a.now.as_deref())?,
        serial,
        signing_duration: a.signing_duration,
        expiration_seconds: a.expiration_seconds,
        signer: a.signer,
        usages: a.usages,
        csr: a.csr,
    })
}

/// 16 random bytes with the top bit cleared: a positive serial below 2^127. Kubernetes' signer
/// draws below 2^128 (`rand.Int(rand.Reader, 2^128)`); the cleared bit keeps the DER integer at
/// 16 bytes, which `--serial-hex` accepts back.
fn random_serial() -> Result<[u8; 16], common::Failure> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| common::Failure::Input {
        message: format!("drawing a random serial: {e}"),
        status: 1,
    })?;
    serial[0] &= 0x7f;
    if serial == [0; 16] {
        serial[15] = 1;
    }
    Ok(serial)
}

//! The kubelet TLS bootstrap, as far as the crate goes so far: step 1, the API server
//! authenticating the kubelet's bootstrap token — from a static `token.csv` line and from a
//! kubeadm bootstrap token Secret — at a fixed `now`, so the output is the same on every run.
//!
//! ```text
//! cargo run --example bootstrap
//! ```
//!
//! Tokens are never printed: only their SHA-256 fingerprint, or a bootstrap token's public ID.

use kube_tls_bootstrap::identity::{
    Authenticator, BootstrapToken, BootstrapTokenAuthenticator, RequestAuthentication, Secret,
    TokenDigest, TokenFile, TokenFileError, UserInfo,
};
use kube_tls_bootstrap::time::Timestamp;

/// The seed's `token.csv` line: `token,user,uid,"groups"`.
const TOKEN_CSV: &str =
    "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n";
const TOKEN_CSV_PATH: &str = "/etc/kubernetes/token.csv";
/// A kubeadm bootstrap token (`kubeadm token create`).
const KUBEADM_TOKEN: &str = "abcdef.0123456789abcdef";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")?;
    println!(
        "kube-tls-bootstrap: step 1 of the kubelet TLS bootstrap (who is calling), now = {now}"
    );
    println!();

    // --- The static token file ---
    let file = TokenFile::parse(TOKEN_CSV.as_bytes(), TOKEN_CSV_PATH)?;
    let seed_token = TOKEN_CSV
        .split(',')
        .next()
        .ok_or("the seed line has a token")?;
    println!("kube-apiserver --token-auth-file={TOKEN_CSV_PATH}");
    println!(
        "  loaded {} token(s), {} warning(s)",
        file.len(),
        file.warnings().len()
    );
    for entry in file.entries() {
        println!(
            "  {}  user {:?}  uid {:?}  groups {:?}  (line {})",
            entry.fingerprint(),
            entry.name(),
            entry.uid(),
            entry.groups().collect::<Vec<_>>(),
            entry.line()
        );
    }

    // --- A kubeadm bootstrap token Secret ---
    let token = BootstrapToken::parse(KUBEADM_TOKEN)?;
    let secret = Secret::for_bootstrap_token(
        &token,
        &["system:bootstrappers:kubeadm:default-node-token"],
        Some(Timestamp::parse_rfc3339("2030-01-01T00:00:00Z")?),
    );
    let mut bootstrap_tokens = BootstrapTokenAuthenticator::new();
    bootstrap_tokens.insert(secret);
    println!();
    println!("kube-apiserver --enable-bootstrap-token-auth");
    println!(
        "  Secret kube-system/{} (token ID {}, expires 2030-01-01T00:00:00Z)",
        token.secret_name(),
        token.id()
    );

    // --- Requests, as the API server sees them ---
    let api_server = Authenticator {
        token_file: Some(file),
        bootstrap_tokens: Some(bootstrap_tokens),
    };
    println!();
    println!("Requests (Authorization header → user):");
    let requests = [
        ("the token.csv token", format!("Bearer {seed_token}"), now),
        ("the kubeadm token", format!("Bearer {KUBEADM_TOKEN}"), now),
        (
            "the kubeadm token once expired",
            format!("Bearer {KUBEADM_TOKEN}"),
            Timestamp::parse_rfc3339("2030-01-01T00:00:00Z")?,
        ),
        (
            "a wrong secret",
            "Bearer abcdef.0000000000000000".to_owned(),
            now,
        ),
        ("two spaces", format!("Bearer  {seed_token}"), now),
    ];
    for (what, header, at) in &requests {
        let token = header.rsplit(' ').next().unwrap_or_default();
        println!(
            "  {what} (token {}) at {at}:",
            TokenDigest::of(token.as_bytes()).fingerprint()
        );
        println!(
            "    {}",
            describe(&api_server.authenticate_request(Some(header), *at))
        );
        // Why a bootstrap token was refused goes to kube-apiserver's log, not to the client.
        if let (Some(bootstrap), Ok(_)) =
            (&api_server.bootstrap_tokens, BootstrapToken::parse(token))
            && let Err(reason) = bootstrap.check(token, *at)
        {
            println!("    kube-apiserver log: {reason}");
        }
    }

    // --- What an admin sees for a broken file ---
    println!();
    let broken = "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap\n";
    match TokenFile::parse(broken.as_bytes(), TOKEN_CSV_PATH) {
        Err(error @ TokenFileError::Columns { line, .. }) => {
            println!("A two-column token.csv stops kube-apiserver (line {line}):\n  {error}");
        }
        other => return Err(format!("unexpected result {other:?}").into()),
    }
    Ok(())
}

fn describe(outcome: &RequestAuthentication) -> String {
    match outcome {
        RequestAuthentication::Authenticated { user, by } => {
            format!("{} ({by:?})", show(user))
        }
        RequestAuthentication::Rejected(error) => format!("401 Unauthorized: {error}"),
        RequestAuthentication::NoToken {
            warning: Some(warning),
        } => format!("no bearer token; warning: {warning}"),
        RequestAuthentication::NoToken { warning: None } => "no bearer token".to_owned(),
        other => format!("{other:?}"),
    }
}

fn show(user: &UserInfo) -> String {
    format!(
        "user {:?}, uid {:?}, groups {:?}",
        user.name, user.uid, user.groups
    )
}

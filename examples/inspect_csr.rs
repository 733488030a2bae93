// An admin tool: it reads the CSR files named on its command line.
#![allow(clippy::disallowed_methods)]

//! What the API server, the kubelet client check and the kubelet serving check would say about
//! each CSR file, and its kubelet `node-csr-` name.
//!
//! ```text
//! cargo run --example inspect_csr -- [--json] [--signer NAME] [--usages "u1,u2"] FILE...
//! ```
//!
//! Defaults: signer `kubernetes.io/kube-apiserver-client-kubelet`, usages `digital signature,key
//! encipherment,client auth` (both checks use the given usages). A file is accepted when the API
//! server accepts it and the signer's own validation passes. Exit codes: 0 all accepted, 1
//! otherwise, 2 usage errors.

use std::io::Write as _;
use std::process::ExitCode;

use kube_tls_bootstrap::pki::{UnverifiedRequest, checks, signers};
use serde::Serialize;

const USAGE: &str = "usage: inspect_csr [--json] [--signer NAME] [--usages \"u1,u2\"] FILE...";

#[derive(Serialize)]
struct Report {
    file: String,
    api: Api,
    kubelet_client: Option<Check>,
    kubelet_serving: Option<Check>,
    name: Option<String>,
    subject: Option<Subject>,
    key: Option<String>,
}

#[derive(Serialize)]
struct Api {
    accepted: bool,
    reason: Option<&'static str>,
    message: Option<String>,
}

#[derive(Serialize)]
struct Check {
    ok: bool,
    message: Option<String>,
}

#[derive(Serialize)]
struct Subject {
    cn: String,
    o: Vec<String>,
}

fn main() -> ExitCode {
    let mut json = false;
    let mut signer = signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned();
    let mut usages_arg = "digital signature,key encipherment,client auth".to_owned();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => json = true,
            "--signer" | "--usages" => {
                let Some(value) = args.next() else {
                    eprintln!("{arg} needs a value\n{USAGE}");
                    return ExitCode::from(2);
                };
                if arg == "--signer" {
                    signer = value;
                } else {
                    usages_arg = value;
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with("--") => {
                eprintln!("unknown flag {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let usage_strs: Vec<&str> = usages_arg.split(',').map(str::trim).collect();
    let usages = match kube_tls_bootstrap::pki::authority::parse_usages(usage_strs.iter().copied())
    {
        Ok(u) => u,
        Err(e) => {
            eprintln!("--usages: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    let mut all_accepted = true;
    let mut out = std::io::stdout().lock();
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{file}: {e}");
                all_accepted = false;
                continue;
            }
        };
        let parsed = UnverifiedRequest::from_pem(&bytes);
        let mut report = Report {
            file,
            api: Api {
                accepted: false,
                reason: None,
                message: None,
            },
            kubelet_client: None,
            kubelet_serving: None,
            name: None,
            subject: None,
            key: None,
        };
        let mut accepted = false;
        if let Ok(p) = &parsed {
            let r = p.unverified();
            report.name = Some(checks::node_csr_name_for(r, &usages));
            report.subject = Some(Subject {
                cn: r.subject().common_name.clone(),
                o: r.subject().organization.clone(),
            });
            report.key = Some(r.public_key().kind().name());
        }
        match parsed.and_then(UnverifiedRequest::verify) {
            Err(e) => {
                report.api.reason = Some(e.kind().as_str());
                report.api.message = Some(e.to_string());
            }
            Ok(csr) => {
                report.api.accepted = true;
                let check = |r: Result<(), checks::CheckError>| Check {
                    ok: r.is_ok(),
                    message: r.err().map(|e| e.to_string()),
                };
                report.kubelet_client = Some(check(checks::validate_kubelet_client(&csr, &usages)));
                report.kubelet_serving =
                    Some(check(checks::validate_kubelet_serving(&csr, &usages)));
                accepted = matches!(
                    checks::validate_for_signer_strs(&csr, &usage_strs, &signer),
                    Ok(true)
                );
            }
        }
        all_accepted &= accepted;
        let written = if json {
            writeln!(out, "{}", to_spaced_json(&report))
        } else {
            write_text(&mut out, &report, &signer, accepted)
        };
        if written.is_err() {
            return ExitCode::from(1);
        }
    }
    if all_accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn write_text(
    out: &mut impl std::io::Write,
    r: &Report,
    signer: &str,
    accepted: bool,
) -> std::io::Result<()> {
    writeln!(out, "{}", r.file)?;
    match (&r.api.reason, &r.api.message) {
        (Some(reason), Some(msg)) => writeln!(out, "  api server: refused ({reason}): {msg}")?,
        _ => writeln!(out, "  api server: accepted")?,
    }
    for (label, check) in [
        ("kubelet client", &r.kubelet_client),
        ("kubelet serving", &r.kubelet_serving),
    ] {
        if let Some(c) = check {
            writeln!(
                out,
                "  {label} check: {}",
                c.message.as_deref().unwrap_or("ok")
            )?;
        }
    }
    writeln!(
        out,
        "  signer {signer}: {}",
        if accepted {
            "would sign"
        } else {
            "would not sign"
        }
    )?;
    if let Some(s) = &r.subject {
        writeln!(out, "  subject: CN={:?} O={:?}", s.cn, s.o)?;
    }
    if let Some(k) = &r.key {
        writeln!(out, "  key: {k}")?;
    }
    if let Some(n) = &r.name {
        writeln!(out, "  name: {n}")?;
    }
    Ok(())
}

/// JSON on one line with `", "` and `": "` separators.
fn to_spaced_json(value: &impl Serialize) -> String {
    struct Spaced;
    impl serde_json::ser::Formatter for Spaced {
        fn begin_array_value<W: ?Sized + std::io::Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_key<W: ?Sized + std::io::Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_value<W: ?Sized + std::io::Write>(
            &mut self,
            w: &mut W,
        ) -> std::io::Result<()> {
            w.write_all(b": ")
        }
    }
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Spaced);
    // Serialising plain structs of strings, bools and options into memory cannot fail.
    let _ = value.serialize(&mut ser);
    String::from_utf8(buf).unwrap_or_default()
}

//! `inspect-csr`: what the API server's create path, the kubelet checks and the signer would
//! say about each CSR file, and its kubelet `node-csr-` name.
//!
//! Each file is submitted as a kubelet submits it: a CertificateSigningRequest named
//! `node-csr-…` with the given signer and usages, through the API server's create path —
//! validation (`… is invalid: …`, Kubernetes' field errors) then admission
//! (CertificateSubjectRestriction, `… is forbidden: …`) — each stage reported with the API
//! server's exact message. Then the signer's own validation, with its text when it would not
//! sign.
//!
//! Defaults: signer `kubernetes.io/kube-apiserver-client-kubelet`; usages `digital
//! signature,client auth`, what a current kubelet sends (`--legacy-usages`: `digital
//! signature,key encipherment,client auth`, the list before v1.27). The usages hashed into the
//! `node-csr-` name are printed beside it.
//!
//! Exit status: 0 when every file would be signed, 1 otherwise, 2 on a usage error.

use std::io::Write;

use kube_tls_bootstrap::csr::{self, CertificateSigningRequest, CreateContext, NameSuffix, Usage};
use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::pki::{
    KnownSigner, SignerFailure, UnverifiedRequest, authority::parse_usages, checks, signers,
};
use kube_tls_bootstrap::time::Timestamp;
use serde::Serialize;

use super::common::{Failure, io_text, read_input, to_spaced_json};

/// The one-line usage.
pub(crate) const USAGE: &str =
    "usage: inspect_csr [--json] [--signer NAME] [--usages \"u1,u2\" | --legacy-usages] FILE...";

/// The usages a current kubelet sends with an ECDSA key.
pub(crate) const KUBELET_USAGES: &str = "digital signature,client auth";
/// The usages kubelets sent before v1.27 (and still send with an RSA key).
pub(crate) const LEGACY_KUBELET_USAGES: &str = "digital signature,key encipherment,client auth";

/// What to inspect and how.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    /// One JSON object per file.
    pub(crate) json: bool,
    /// `spec.signerName`.
    pub(crate) signer: String,
    /// `spec.usages`, comma-separated, in the order sent.
    pub(crate) usages: String,
    /// The CSR PEM files (`-` is standard input).
    pub(crate) files: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            json: false,
            signer: signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned(),
            usages: KUBELET_USAGES.to_owned(),
            files: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct Report {
    file: String,
    api: Api,
    kubelet_client: Option<Check>,
    kubelet_serving: Option<Check>,
    name: Option<String>,
    subject: Option<Subject>,
    key: Option<String>,
    validation: Check,
    admission: Option<Check>,
    signer: Signer,
    name_usages: Vec<String>,
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

#[derive(Serialize)]
struct Signer {
    name: String,
    would_sign: bool,
    reason: Option<String>,
}

/// Inspects every file; the exit status. A file that cannot be read is reported on `err` as
/// `PROGRAM: FILE: reason` and the others are still inspected.
pub(crate) fn run(
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
    program: &str,
) -> Result<u8, Failure> {
    if options.files.is_empty() {
        return Err(Failure::Usage("no FILE given".to_owned()));
    }
    let usage_strs: Vec<&str> = options.usages.split(',').map(str::trim).collect();
    let mut all_signed = true;
    for file in &options.files {
        let report = match read_input(file) {
            Ok(bytes) => inspect(file, &bytes, &options.signer, &usage_strs),
            Err(e) => {
                out.flush()?;
                writeln!(err, "{program}: {file}: {}", io_text(&e))?;
                all_signed = false;
                continue;
            }
        };
        all_signed &= report.signer.would_sign;
        if options.json {
            writeln!(out, "{}", to_spaced_json(&report))?;
        } else {
            write_text(out, &report)?;
        }
    }
    Ok(if all_signed { 0 } else { 1 })
}

fn inspect(file: &str, bytes: &[u8], signer: &str, usages: &[&str]) -> Report {
    let parsed = UnverifiedRequest::from_pem(bytes);
    let typed_usages: Vec<Usage> = usages.iter().map(|u| Usage::parse(u)).collect();
    let mut report = Report {
        file: file.to_owned(),
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
        validation: Check {
            ok: false,
            message: None,
        },
        admission: None,
        signer: Signer {
            name: signer.to_owned(),
            would_sign: false,
            reason: None,
        },
        name_usages: usages.iter().map(|u| (*u).to_owned()).collect(),
    };
    if let Ok(p) = &parsed {
        let r = p.unverified();
        report.name = Some(checks::node_csr_name_from_parts(
            &r.public_key().marshal_pkix_der(),
            &r.subject().common_name,
            r.subject().organization.iter().map(String::as_str),
            usages.iter().copied(),
        ));
        report.subject = Some(Subject {
            cn: r.subject().common_name.clone(),
            o: r.subject().organization.clone(),
        });
        report.key = Some(r.public_key().kind().name());
    }

    // The object a kubelet posts, through the API server's create path.
    let mut object = CertificateSigningRequest::new(report.name.clone().unwrap_or_default());
    if object.metadata.name.is_empty() {
        object.metadata.generate_name = "csr-".to_owned();
    }
    object.spec.request = bytes.to_vec();
    object.spec.signer_name = signer.to_owned();
    object.spec.usages = typed_usages.clone();
    let requester = UserInfo::new("system:bootstrap:inspect", ["system:bootstrappers"])
        .with_authenticated_group();
    // Five characters of Kubernetes' name alphabet, so `new` returns `Some`; only a
    // `generateName` create (a file that does not parse) uses them.
    let Some(name_suffix) = NameSuffix::new("bcdfg") else {
        return report;
    };
    let context = CreateContext {
        requester: &requester,
        now: Timestamp::UNIX_EPOCH,
        uid: String::new(),
        name_suffix,
    };
    match csr::create(object, &context) {
        Err(invalid) => {
            let message = invalid.to_string();
            report.validation.message = Some(message.clone());
            report.api.reason = Some("Invalid");
            report.api.message = Some(message);
        }
        Ok(stored) => {
            report.validation.ok = true;
            let admission = csr::admission::subject_restriction(&stored);
            report.admission = Some(Check {
                ok: admission.is_ok(),
                message: admission.as_ref().err().map(ToString::to_string),
            });
            match admission {
                Err(forbidden) => {
                    report.api.reason = Some("Forbidden");
                    report.api.message = Some(forbidden.to_string());
                }
                Ok(()) => report.api.accepted = true,
            }
        }
    }

    match parsed.and_then(UnverifiedRequest::verify) {
        Err(e) => {
            report.signer.reason = Some(format!("the request does not parse: {e}"));
        }
        Ok(request) => {
            let check = |r: Result<(), checks::CheckError>| Check {
                ok: r.is_ok(),
                message: r.err().map(|e| e.to_string()),
            };
            let unknown = |e: String| Check {
                ok: false,
                message: Some(e),
            };
            match parse_usages(&typed_usages) {
                Ok(_) => {
                    report.kubelet_client = Some(check(checks::validate_kubelet_client(
                        &request,
                        &typed_usages,
                    )));
                    report.kubelet_serving = Some(check(checks::validate_kubelet_serving(
                        &request,
                        &typed_usages,
                    )));
                }
                Err(e) => {
                    report.kubelet_client = Some(unknown(e.to_string()));
                    report.kubelet_serving = Some(unknown(e.to_string()));
                }
            }
            match KnownSigner::from_name(signer).map(|s| s.validate(&request, &typed_usages)) {
                Some(Ok(())) if report.api.accepted => report.signer.would_sign = true,
                Some(Ok(())) => {
                    report.signer.reason = Some(
                        "the API server refuses the request, so no signer ever sees it".to_owned(),
                    );
                }
                None => {
                    report.signer.reason =
                        Some(SignerFailure::UnrecognizedSigner(signer.to_owned()).to_string());
                }
                Some(Err(e)) => {
                    report.signer.reason = Some(format!("SignerValidationFailure: {e}"));
                }
            }
        }
    }
    report
}

fn write_text(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    writeln!(out, "{}", r.file)?;
    match (&r.api.reason, &r.api.message) {
        (Some(reason), Some(msg)) => writeln!(out, "  api server: refused ({reason}): {msg}")?,
        _ => writeln!(out, "  api server: accepted")?,
    }
    writeln!(
        out,
        "  validation: {}",
        r.validation.message.as_deref().unwrap_or("ok")
    )?;
    match &r.admission {
        Some(a) => writeln!(out, "  admission: {}", a.message.as_deref().unwrap_or("ok"))?,
        None => writeln!(out, "  admission: not reached")?,
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
    match &r.signer.reason {
        None => writeln!(out, "  signer {}: would sign", r.signer.name)?,
        Some(reason) => writeln!(out, "  signer {}: would not sign: {reason}", r.signer.name)?,
    }
    if let Some(s) = &r.subject {
        writeln!(out, "  subject: CN={:?} O={:?}", s.cn, s.o)?;
    }
    if let Some(k) = &r.key {
        writeln!(out, "  key: {k}")?;
    }
    if let Some(n) = &r.name {
        writeln!(
            out,
            "  name: {n} (hashed with usages: {})",
            r.name_usages.join(", ")
        )?;
    }
    Ok(())
}

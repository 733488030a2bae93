//! Create and update validation, in Kubernetes' order, with its field paths and messages
//! (k/k `pkg/apis/certificates/validation/validation.go`).

use super::signer_name::validate_signer_name;
use super::types::{CertificateSigningRequest, ConditionType, Usage};
use crate::field::{BadValue, FieldError};
use crate::pki::KnownSigner;
use crate::pki::{CertificateRequest, KeyUsage, VerifiedDigest};

/// The API endpoint an update arrives through; each may change different parts of the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `PUT`/`PATCH …/certificatesigningrequests/<name>`: only metadata may change.
    Main,
    /// `…/<name>/status`: the certificate and non-approval conditions.
    Status,
    /// `…/<name>/approval`: the conditions, including Approved and Denied.
    Approval,
}

impl Endpoint {
    /// The subresource name (`""`, `status`, `approval`).
    pub const fn subresource(self) -> &'static str {
        match self {
            Self::Main => "",
            Self::Status => "status",
            Self::Approval => "approval",
        }
    }
}

/// Validates an object being created (after [`prepare_for_create`](super::prepare_for_create)),
/// returning every error in Kubernetes' order; empty means valid.
///
/// The request is checked through the PKI layer: the first PEM block must be a
/// `CERTIFICATE REQUEST` that parses and carries a valid self-signature.
pub fn validate_create(csr: &CertificateSigningRequest) -> Vec<FieldError> {
    validate(csr, &Options::for_objects(csr, None), &mut None)
}

/// [`validate_create`], also returning the proof that `spec.request` verified (when it did), so
/// that nothing downstream verifies it again.
pub fn validate_create_verified(
    csr: &CertificateSigningRequest,
) -> (Vec<FieldError>, Option<VerifiedDigest>) {
    let (errors, request) = validate_create_parsed(csr);
    (errors, request.map(|r| r.verified_digest()))
}

/// [`validate_create`], also returning the request when it verified.
pub(crate) fn validate_create_parsed(
    csr: &CertificateSigningRequest,
) -> (Vec<FieldError>, Option<CertificateRequest>) {
    let mut request = None;
    let errors = validate(csr, &Options::for_objects(csr, None), &mut request);
    (errors, request)
}

/// Validates an update that arrived through `endpoint`, after that endpoint's
/// [`prepare_for_update`](super::prepare_for_update): `new` is the prepared object, `old` the
/// stored one.
///
/// Problems already present in `old` (both Approved and Denied, the legacy signer, duplicate or
/// empty condition types, unknown or duplicate usages, an invalid certificate) are tolerated, as
/// is an invalid certificate the update does not change.
pub fn validate_update(
    endpoint: Endpoint,
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
) -> Vec<FieldError> {
    update_errors(
        endpoint,
        new,
        old,
        Known::Nothing,
        CertificateSource::Caller,
    )
}

/// [`validate_update`] for a stored object whose request verified when it was created:
/// `proof` is the [`VerifiedDigest`] of `old.spec.request`, kept beside the object (as the
/// control plane's store keeps it). Every endpoint resets `spec` to the stored one, so when
/// `new.spec.request` is byte-for-byte `old.spec.request` the self-signature is not verified
/// again; the result equals [`validate_update`]'s, only cheaper.
///
/// The proof must be the one of `old.spec.request` (checked by digest: the request's DER is
/// hashed, not parsed or verified); another proof is refused with [`ProofMismatch`] and
/// nothing is validated.
pub fn validate_update_verified(
    endpoint: Endpoint,
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
    proof: &VerifiedDigest,
) -> Result<Vec<FieldError>, ProofMismatch> {
    check_proof(old, proof)?;
    Ok(validate_update_proven(endpoint, new, old))
}

/// Whether `proof` is the one of `old.spec.request`.
pub(crate) fn check_proof(
    old: &CertificateSigningRequest,
    proof: &VerifiedDigest,
) -> Result<(), ProofMismatch> {
    if proof.is_proof_of_pem(&old.spec.request) {
        Ok(())
    } else {
        Err(ProofMismatch {
            name: old.metadata.name.clone(),
        })
    }
}

/// [`validate_update_verified`] once its proof was checked ([`check_proof`]).
pub(crate) fn validate_update_proven(
    endpoint: Endpoint,
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
) -> Vec<FieldError> {
    update_errors(
        endpoint,
        new,
        old,
        Known::RequestVerified,
        CertificateSource::Caller,
    )
}

/// The proof given for a stored object is not the [`VerifiedDigest`] of its `spec.request`
/// (see [`validate_update_verified`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the proof is not the verified digest of the request of CertificateSigningRequest {}",
    crate::go::quote(name)
)]
pub struct ProofMismatch {
    /// The stored object's name.
    pub name: String,
}

/// What an update's validation may take as checked before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    /// Nothing: every check runs ([`validate_update`]).
    Nothing,
    /// `old.spec.request` verified (its proof was checked): bytes equal to it are not verified
    /// again.
    RequestVerified,
    /// `old` is an object the control plane stored: it passed create validation (which
    /// tolerates nothing) with its request verified; and `new.spec` equals `old.spec` (every
    /// endpoint's [`prepare_for_update`](super::prepare_for_update) resets it). The spec's
    /// checks are not run again: each is a function of the spec and of what `old` makes
    /// tolerable, and create validation, which tolerates nothing, found no error in it, so
    /// update validation would find none either.
    StoredSpec,
}

/// Where the `status.certificate` of an update to a stored object comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CertificateSource {
    /// The caller of the API (or anything the control plane did not build itself): validated
    /// as Kubernetes' `validateCertificate` does.
    Caller,
    /// The control plane's in-process signer, which just built it: the issuer's own
    /// `TBSCertificate` with the CA key's signature, PEM-encoded once. That is one `CERTIFICATE`
    /// block without headers holding one certificate that parses, all `validateCertificate`
    /// asks, so it is not parsed again. (The control plane's tests check, for random requests,
    /// CAs, serials and times, that every certificate it issues passes that validation.)
    InProcessSigner,
}

/// [`validate_update`] after [`prepare_for_update`](super::prepare_for_update), for an object
/// the control plane stored (see [`Known::StoredSpec`]), with a certificate from `certificate`.
pub(crate) fn validate_update_stored(
    endpoint: Endpoint,
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
    certificate: CertificateSource,
) -> Vec<FieldError> {
    update_errors(endpoint, new, old, Known::StoredSpec, certificate)
}

fn update_errors(
    endpoint: Endpoint,
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
    known: Known,
    certificate: CertificateSource,
) -> Vec<FieldError> {
    let spec_unchanged = known == Known::StoredSpec;
    let request_unchanged = spec_unchanged || new.spec.request == old.spec.request;
    let mut opts = if spec_unchanged {
        Options::for_unchanged_spec(new, old)
    } else {
        Options::for_objects(new, Some(old))
    };
    opts.request_verified = request_unchanged && known != Known::Nothing;
    opts.spec_valid = spec_unchanged;
    opts.certificate_issued = certificate == CertificateSource::InProcessSigner;
    match endpoint {
        Endpoint::Main => {}
        Endpoint::Status => opts.allow_setting_certificate = true,
        Endpoint::Approval => opts.allow_setting_approval_conditions = true,
    }
    let mut errors = validate(new, &opts, &mut None);
    let meta_errors = validate_object_meta_update(new, old);

    for t in [
        ConditionType::Approved,
        ConditionType::Denied,
        ConditionType::Failed,
    ] {
        if new.conditions_of(&t).count() < old.conditions_of(&t).count() {
            errors.push(FieldError::forbidden(
                "status.conditions",
                format!(
                    "updates may not remove a condition of type {}",
                    crate::go::quote(t.as_str())
                ),
            ));
        }
    }

    if !opts.allow_setting_approval_conditions {
        for t in [ConditionType::Approved, ConditionType::Denied] {
            let old_c: Vec<_> = old.conditions_of(&t).collect();
            let new_c: Vec<_> = new.conditions_of(&t).collect();
            if new_c.len() > old_c.len() {
                errors.push(FieldError::forbidden(
                    "status.conditions",
                    format!(
                        "updates may not add a condition of type {}",
                        crate::go::quote(t.as_str())
                    ),
                ));
            } else if new_c.len() == old_c.len() && old_c != new_c {
                errors.push(FieldError::forbidden(
                    "status.conditions",
                    format!(
                        "updates may not modify a condition of type {}\n{}",
                        crate::go::quote(t.as_str()),
                        condition_diff(&old_c, &new_c)
                    ),
                ));
            }
        }
    }

    if new.status.certificate != old.status.certificate {
        if !opts.allow_setting_certificate {
            errors.push(FieldError::forbidden(
                "status.certificate",
                "updates may not set certificate content",
            ));
        } else if !old.status.certificate.is_empty() {
            errors.push(FieldError::forbidden(
                "status.certificate",
                "updates may not modify existing certificate content",
            ));
        }
    }

    errors.extend(meta_errors);
    errors
}

/// What validation tolerates (Kubernetes' `certificateValidationOptions`).
#[derive(Clone, Copy, Debug, Default)]
struct Options {
    allow_setting_approval_conditions: bool,
    allow_setting_certificate: bool,
    allow_both_approved_and_denied: bool,
    allow_legacy_signer_name: bool,
    allow_duplicate_condition_types: bool,
    allow_empty_condition_type: bool,
    allow_arbitrary_certificate: bool,
    allow_unknown_usages: bool,
    allow_duplicate_usages: bool,
    /// `spec.request` is bytes that verified before (see [`validate_update_verified`]).
    request_verified: bool,
    /// `spec` is a stored one, unchanged (see [`Known::StoredSpec`]): its checks are skipped.
    spec_valid: bool,
    /// `status.certificate` is what the in-process signer issued
    /// ([`CertificateSource::InProcessSigner`]): it is not parsed again.
    certificate_issued: bool,
}

impl Options {
    /// Kubernetes' `getValidationOptions(new, old)`.
    fn for_objects(
        new: &CertificateSigningRequest,
        old: Option<&CertificateSigningRequest>,
    ) -> Self {
        let Some(old) = old else {
            return Self::default();
        };
        let has = |t: ConditionType| old.has_condition(&t);
        Self {
            allow_both_approved_and_denied: has(ConditionType::Approved)
                && has(ConditionType::Denied),
            allow_legacy_signer_name: !creatable_in_v1(&old.spec.signer_name),
            allow_duplicate_condition_types: has_duplicates(
                old.status.conditions.iter().map(|c| c.type_.as_str()),
            ),
            allow_empty_condition_type: old
                .status
                .conditions
                .iter()
                .any(|c| c.type_.as_str().is_empty()),
            allow_arbitrary_certificate: new.status.certificate == old.status.certificate
                || certificate_error(&old.status.certificate).is_some(),
            allow_unknown_usages: old.spec.usages.iter().any(|u| u.known().is_none()),
            allow_duplicate_usages: has_duplicates(old.spec.usages.iter().map(Usage::as_str)),
            ..Self::default()
        }
    }

    /// [`Options::for_objects`] without the options only the spec's checks read (they are
    /// skipped for an unchanged stored spec, [`Known::StoredSpec`]).
    fn for_unchanged_spec(
        new: &CertificateSigningRequest,
        old: &CertificateSigningRequest,
    ) -> Self {
        let has = |t: ConditionType| old.has_condition(&t);
        Self {
            allow_both_approved_and_denied: has(ConditionType::Approved)
                && has(ConditionType::Denied),
            allow_duplicate_condition_types: has_duplicates(
                old.status.conditions.iter().map(|c| c.type_.as_str()),
            ),
            allow_empty_condition_type: old
                .status
                .conditions
                .iter()
                .any(|c| c.type_.as_str().is_empty()),
            allow_arbitrary_certificate: new.status.certificate == old.status.certificate
                || certificate_error(&old.status.certificate).is_some(),
            ..Self::default()
        }
    }
}

/// Kubernetes' `validateCertificateSigningRequest(csr, opts)`.
fn validate(
    csr: &CertificateSigningRequest,
    opts: &Options,
    verified: &mut Option<CertificateRequest>,
) -> Vec<FieldError> {
    let mut errors = validate_object_meta(csr);
    if !opts.spec_valid {
        validate_spec(csr, opts, verified, &mut errors);
    }
    validate_conditions(csr, opts, &mut errors);
    if !opts.allow_arbitrary_certificate
        && !opts.certificate_issued
        && let Some(message) = certificate_error(&csr.status.certificate)
    {
        errors.push(FieldError::invalid(
            "status.certificate",
            BadValue::Literal("\"<certificate data>\""),
            message,
        ));
    }
    errors
}

/// The `spec` part of [`validate`], in Kubernetes' order.
fn validate_spec(
    csr: &CertificateSigningRequest,
    opts: &Options,
    verified: &mut Option<CertificateRequest>,
    errors: &mut Vec<FieldError>,
) {
    let spec = &csr.spec;
    if opts.request_verified {
        // The bytes verified when the object was created; verifying is a function of them.
    } else {
        match super::request_check::check_request(&spec.request) {
            Ok(request) => *verified = Some(request),
            Err(message) => errors.push(FieldError::invalid(
                "spec.request",
                BadValue::Bytes(spec.request.clone()),
                message,
            )),
        }
    }
    if spec.usages.is_empty() {
        errors.push(FieldError::required("spec.usages", ""));
    }
    if !opts.allow_unknown_usages {
        for (i, usage) in spec.usages.iter().enumerate() {
            if usage.known().is_none() {
                errors.push(FieldError::not_supported(
                    format!("spec.usages[{i}]"),
                    usage.as_str(),
                    KeyUsage::SORTED.iter().map(|k| k.as_str()),
                ));
            }
        }
    }
    if !opts.allow_duplicate_usages {
        let mut seen = Seen::default();
        for (i, usage) in spec.usages.iter().enumerate() {
            if !seen.insert(usage.as_str()) {
                errors.push(FieldError::duplicate(
                    format!("spec.usages[{i}]"),
                    usage.as_str(),
                ));
            }
        }
    }
    if !opts.allow_legacy_signer_name && !creatable_in_v1(&spec.signer_name) {
        errors.push(FieldError::invalid(
            "spec.signerName",
            BadValue::String(spec.signer_name.clone()),
            "the legacy signerName is not allowed via this API version",
        ));
    } else {
        errors.extend(validate_signer_name("spec.signerName", &spec.signer_name));
    }
    if let Some(seconds) = spec.expiration_seconds
        && seconds < 600
    {
        errors.push(FieldError::invalid(
            "spec.expirationSeconds",
            BadValue::Int(i64::from(seconds)),
            "may not specify a duration less than 600 seconds (10 minutes)",
        ));
    }
}

/// Kubernetes' `validateConditions`.
fn validate_conditions(
    csr: &CertificateSigningRequest,
    opts: &Options,
    errors: &mut Vec<FieldError>,
) {
    let mut seen = Seen::default();
    let (mut has_approved, mut has_denied) = (false, false);
    for (i, c) in csr.status.conditions.iter().enumerate() {
        let type_path = || format!("status.conditions[{i}].type");
        if !opts.allow_empty_condition_type && c.type_.as_str().is_empty() {
            errors.push(FieldError::required(type_path(), ""));
        }
        let true_only = matches!(
            c.type_,
            ConditionType::Approved | ConditionType::Denied | ConditionType::Failed
        );
        let allowed: &[&str] = if true_only {
            &["True"]
        } else {
            &["False", "True", "Unknown"]
        };
        let status = c.status.as_str();
        if status.is_empty() {
            errors.push(FieldError::required(
                format!("status.conditions[{i}].status"),
                "",
            ));
        } else if !allowed.contains(&status) {
            errors.push(FieldError::not_supported(
                format!("status.conditions[{i}].status"),
                status,
                allowed.iter().copied(),
            ));
        }
        if !opts.allow_both_approved_and_denied {
            let clash = match c.type_ {
                ConditionType::Approved => {
                    has_approved = true;
                    has_denied
                }
                ConditionType::Denied => {
                    has_denied = true;
                    has_approved
                }
                _ => false,
            };
            if clash {
                errors.push(FieldError::invalid(
                    type_path(),
                    BadValue::String(c.type_.as_str().to_owned()),
                    "Approved and Denied conditions are mutually exclusive",
                ));
            }
        }
        if !opts.allow_duplicate_condition_types && !seen.insert(c.type_.as_str()) {
            errors.push(FieldError::duplicate(type_path(), c.type_.as_str()));
        }
    }
}

/// The metadata checks of `ValidateObjectMeta` that apply to a cluster-scoped object whose name
/// validator accepts every name: name present, no namespace, label keys and values, annotation
/// keys and total size (in key order; Go walks its maps in random order).
fn validate_object_meta(csr: &CertificateSigningRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let meta = &csr.metadata;
    if meta.name.is_empty() {
        errors.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    }
    if !meta.namespace.is_empty() {
        errors.push(FieldError::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        ));
    }
    for (key, value) in &meta.labels {
        for msg in qualified_name_errors(key) {
            errors.push(FieldError::invalid(
                "metadata.labels",
                BadValue::String(key.clone()),
                msg,
            ));
        }
        for msg in label_value_errors(value) {
            errors.push(FieldError::invalid(
                "metadata.labels",
                BadValue::String(value.clone()),
                msg,
            ));
        }
    }
    let mut annotations_size = 0usize;
    for (key, value) in &meta.annotations {
        // Annotation keys are qualified names compared without case.
        for msg in qualified_name_errors(&key.to_lowercase()) {
            errors.push(FieldError::invalid(
                "metadata.annotations",
                BadValue::String(key.clone()),
                msg,
            ));
        }
        annotations_size = annotations_size.saturating_add(key.len() + value.len());
    }
    if annotations_size > TOTAL_ANNOTATION_SIZE_LIMIT {
        errors.push(FieldError::too_long(
            "metadata.annotations",
            TOTAL_ANNOTATION_SIZE_LIMIT,
        ));
    }
    errors
}

/// The most bytes all annotation keys and values may take together (256 KiB).
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// Whether `s` matches `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
fn is_qualified_name_shape(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// Kubernetes' `IsQualifiedName`: an optional DNS-subdomain prefix and `/`, then a name of at
/// most 63 characters.
fn qualified_name_errors(value: &str) -> Vec<String> {
    let name_shape = || {
        format!(
            "{QUALIFIED_NAME_MSG} (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME_FMT}')"
        )
    };
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                errs.extend(
                    crate::field::dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                name_shape()
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 characters".to_owned());
    }
    if !is_qualified_name_shape(name) {
        errs.push(format!("name part {}", name_shape()));
    }
    errs
}

/// Kubernetes' `IsValidLabelValue`: empty, or a qualified-name-shaped string of at most 63.
fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !value.is_empty() && !is_qualified_name_shape(value) {
        errs.push(format!(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '({QUALIFIED_NAME_FMT})?')"
        ));
    }
    errs
}

/// The metadata checks of `ValidateObjectMetaUpdate` that an update can trip: name and UID are
/// immutable.
fn validate_object_meta_update(
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (path, n, o) in [
        ("metadata.name", &new.metadata.name, &old.metadata.name),
        ("metadata.uid", &new.metadata.uid, &old.metadata.uid),
    ] {
        if n != o {
            errors.push(FieldError::invalid(
                path,
                BadValue::String(n.clone()),
                "field is immutable",
            ));
        }
    }
    errors
}

/// Why `status.certificate` is not acceptable, or `None` (empty is acceptable).
fn certificate_error(pem: &[u8]) -> Option<String> {
    if pem.is_empty() {
        return None;
    }
    super::request_check::check_certificate(pem).err()
}

fn has_duplicates<'a>(items: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = Seen::default();
    items.into_iter().any(|s| !seen.insert(s))
}

/// The strings seen so far: the first [`Seen::FEW`] in place (conditions and usages are
/// few; no allocation), the rest in a hash set (so a hostile object's many stay linear).
#[derive(Default)]
struct Seen<'a> {
    few: [&'a str; Seen::FEW],
    len: usize,
    many: std::collections::HashSet<&'a str>,
}

impl<'a> Seen<'a> {
    const FEW: usize = 8;

    /// Adds `s`; false when it was seen before (as `HashSet::insert`).
    fn insert(&mut self, s: &'a str) -> bool {
        let few = self.few.get(..self.len).unwrap_or_default();
        if few.contains(&s) || self.many.contains(s) {
            return false;
        }
        if let Some(slot) = self.few.get_mut(self.len) {
            *slot = s;
            self.len += 1;
        } else {
            self.many.insert(s);
        }
        true
    }
}

/// A line-per-condition account of what changed, standing in for the `cmp.Diff` text Kubernetes
/// appends (whose exact layout is go-cmp's and not stable across its versions).
fn condition_diff(
    old: &[&super::types::CertificateSigningRequestCondition],
    new: &[&super::types::CertificateSigningRequestCondition],
) -> String {
    let render = |c: &super::types::CertificateSigningRequestCondition| {
        serde_json::to_string(c).unwrap_or_default()
    };
    let mut lines = Vec::new();
    for (o, n) in old.iter().zip(new) {
        if o != n {
            lines.push(format!("- {}", render(o)));
            lines.push(format!("+ {}", render(n)));
        }
    }
    lines.join("\n")
}

/// Whether `signer_name` may be requested through v1: anything but a [`KnownSigner`] that is
/// not ([`KnownSigner::creatable_in_v1`]: `kubernetes.io/legacy-unknown`).
fn creatable_in_v1(signer_name: &str) -> bool {
    KnownSigner::from_name(signer_name).is_none_or(KnownSigner::creatable_in_v1)
}

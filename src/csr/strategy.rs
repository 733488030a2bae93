//! The registry strategies: what the API server does to an object before validating it
//! (k/k `pkg/registry/certificates/certificates/strategy.go` and the generic registry's
//! `BeforeCreate`/`BeforeUpdate`).

use super::invalid::Invalid;
use super::types::{CertificateSigningRequest, CertificateSigningRequestStatus};
use super::validation::{
    CertificateSource, Endpoint, ProofMismatch, check_proof, validate_create_parsed,
    validate_update, validate_update_proven, validate_update_stored,
};
use crate::identity::UserInfo;
use crate::pki::{CertificateRequest, VerifiedDigest};
use crate::time::Timestamp;

/// The characters Kubernetes draws `generateName` suffixes from (no vowels, no `0 1 3`).
pub const NAME_ALPHABET: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";
/// How many random characters `generateName` appends.
pub const NAME_SUFFIX_LENGTH: usize = 5;
/// The longest `generateName` prefix kept (63 − 5); longer prefixes are cut.
pub const MAX_GENERATE_NAME_PREFIX: usize = 63 - NAME_SUFFIX_LENGTH;

/// The five random characters of a generated name, drawn from [`NAME_ALPHABET`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NameSuffix([u8; NAME_SUFFIX_LENGTH]);

impl NameSuffix {
    /// Takes the characters as given; `None` unless all five are in [`NAME_ALPHABET`].
    pub fn new(chars: &str) -> Option<Self> {
        let bytes: [u8; NAME_SUFFIX_LENGTH] = chars.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| NAME_ALPHABET.contains(b))
            .then_some(Self(bytes))
    }

    /// Draws the characters from caller-supplied random bytes as Kubernetes' `utilrand.String`
    /// draws them from random bits: the low five bits of each byte index the alphabet, values
    /// 27–31 are skipped. `None` if the bytes run out first (each byte is accepted with
    /// probability 27/32, so 16 bytes almost always suffice).
    ///
    /// ```
    /// use kube_tls_bootstrap::csr::NameSuffix;
    /// let s = NameSuffix::from_random_bytes(&[0, 1, 31, 2, 3, 26]).unwrap();
    /// assert_eq!(s.as_str(), "bcdf9");
    /// ```
    pub fn from_random_bytes(random: &[u8]) -> Option<Self> {
        let mut out = [0u8; NAME_SUFFIX_LENGTH];
        let mut n = 0;
        for b in random {
            if n == NAME_SUFFIX_LENGTH {
                break;
            }
            if let Some(c) = NAME_ALPHABET.get(usize::from(b & 0x1f)) {
                out[n] = *c;
                n += 1;
            }
        }
        (n == NAME_SUFFIX_LENGTH).then_some(Self(out))
    }

    /// The five characters.
    pub fn as_str(&self) -> &str {
        // Every byte is from NAME_ALPHABET, which is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Kubernetes' `SimpleNameGenerator.GenerateName`: the prefix cut to 58 bytes, then the suffix.
///
/// ```
/// use kube_tls_bootstrap::csr::{NameSuffix, generate_name};
/// let suffix = NameSuffix::new("8b2tm").unwrap();
/// assert_eq!(generate_name("csr-", suffix), "csr-8b2tm");
/// ```
pub fn generate_name(prefix: &str, suffix: NameSuffix) -> String {
    let bytes = prefix.as_bytes();
    let cut = &bytes[..bytes.len().min(MAX_GENERATE_NAME_PREFIX)];
    // Go cuts bytes, possibly inside a character; its JSON encoder then writes U+FFFD, which
    // is what the lossy conversion produces.
    let mut name = String::from_utf8_lossy(cut).into_owned();
    name.push_str(suffix.as_str());
    name
}

/// Kubernetes' `PrepareForCreate`: the requester's identity replaces whatever the client put in
/// `spec.username/uid/groups/extra` (`extra` only when non-empty), and the status is cleared so
/// no one can create a pre-approved request.
pub fn prepare_for_create(csr: &mut CertificateSigningRequest, requester: Option<&UserInfo>) {
    let spec = &mut csr.spec;
    spec.username.clear();
    spec.uid.clear();
    spec.groups.clear();
    spec.extra.clear();
    if let Some(user) = requester {
        spec.username.clone_from(&user.name);
        spec.uid.clone_from(&user.uid);
        spec.groups.clone_from(&user.groups);
        spec.extra.clone_from(&user.extra);
    }
    csr.status = CertificateSigningRequestStatus::default();
}

/// What the server assigns to a new object besides its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateContext<'a> {
    /// The authenticated requester (after `system:authenticated` was added).
    pub requester: &'a UserInfo,
    /// The instant of the request; becomes `creationTimestamp`.
    pub now: Timestamp,
    /// The UID the server assigns (a random UUID in Kubernetes).
    pub uid: String,
    /// Random characters for `generateName`, used only when `metadata.name` is empty.
    pub name_suffix: NameSuffix,
}

/// The API server's create path for one object: strip server-owned fields, inject the
/// requester, stamp UID and `creationTimestamp`, complete `generateName`, then validate (the
/// CSR strategy's rules, then the generic path-segment name rules). Returns the object as it
/// would be stored, or Kubernetes' `is invalid` error.
///
/// Admission ([`CertificateSubjectRestriction`](super::admission::subject_restriction)) runs
/// between these steps in the real server; call it on the returned object before storing it.
pub fn create(
    csr: CertificateSigningRequest,
    ctx: &CreateContext<'_>,
) -> Result<CertificateSigningRequest, Invalid> {
    create_verified(csr, ctx).map(|(csr, _)| csr)
}

/// [`create`], also returning the proof that the stored request verified: keep it beside the
/// object and pass it to [`update_verified`] so that no update verifies the request again.
pub fn create_verified(
    csr: CertificateSigningRequest,
    ctx: &CreateContext<'_>,
) -> Result<(CertificateSigningRequest, VerifiedDigest), Invalid> {
    create_parsed(csr, ctx).map(|(csr, request)| (csr, request.verified_digest()))
}

/// [`create_verified`], returning the verified request itself.
pub(crate) fn create_parsed(
    mut csr: CertificateSigningRequest,
    ctx: &CreateContext<'_>,
) -> Result<(CertificateSigningRequest, CertificateRequest), Invalid> {
    prepare_for_create(&mut csr, Some(ctx.requester));
    csr.metadata.uid.clone_from(&ctx.uid);
    csr.metadata.creation_timestamp = Some(ctx.now);
    csr.metadata.resource_version.clear();
    if csr.metadata.name.is_empty() && !csr.metadata.generate_name.is_empty() {
        csr.metadata.name = generate_name(&csr.metadata.generate_name, ctx.name_suffix);
    }
    let (mut errors, proof) = validate_create_parsed(&csr);
    if errors.is_empty() {
        errors = path_segment_errors(&csr);
    }
    match proof {
        Some(proof) if errors.is_empty() => Ok((csr, proof)),
        _ => Err(Invalid {
            name: csr.metadata.name.clone(),
            errors,
        }),
    }
}

/// The update strategy of `endpoint` (`PrepareForUpdate`): what of `new` is kept and what is
/// reset to `old`, with missing condition timestamps filled from `now` on the subresources.
///
/// - main resource: `spec` and `status` reset to `old`, so only metadata changes;
/// - `/status`: `spec` reset; Approved and Denied conditions copied back from `old` where their
///   count is unchanged; then timestamps filled;
/// - `/approval`: timestamps filled; then `spec` and `status.certificate` reset, conditions kept.
pub fn prepare_for_update(
    endpoint: Endpoint,
    new: &mut CertificateSigningRequest,
    old: &CertificateSigningRequest,
    now: Timestamp,
) {
    // A field already equal to the stored one is kept as sent: the result is the same value,
    // without copying it.
    match endpoint {
        Endpoint::Main => {
            reset(&mut new.spec, &old.spec);
            reset(&mut new.status, &old.status);
        }
        Endpoint::Status => {
            reset(&mut new.spec, &old.spec);
            preserve_condition_instances(new, old, &super::ConditionType::Approved);
            preserve_condition_instances(new, old, &super::ConditionType::Denied);
            populate_condition_timestamps(new, old, now);
        }
        Endpoint::Approval => {
            populate_condition_timestamps(new, old, now);
            reset(&mut new.spec, &old.spec);
            reset(&mut new.status.certificate, &old.status.certificate);
        }
    }
}

/// `*new = old.clone()`, skipped when they are already equal.
fn reset<T: Clone + PartialEq>(new: &mut T, old: &T) {
    if new != old {
        new.clone_from(old);
    }
}

/// The API server's update path for one endpoint: the generic registry keeps the old UID when
/// none is sent and never lets `creationTimestamp` change, then the endpoint's strategy
/// prepares the object and its validation runs. Returns the object as it would be stored.
///
/// Admission ([`approval`](super::admission::approval), [`signing`](super::admission::signing))
/// runs on the result before storing it in the real server.
pub fn update(
    endpoint: Endpoint,
    new: CertificateSigningRequest,
    old: &CertificateSigningRequest,
    now: Timestamp,
) -> Result<CertificateSigningRequest, Invalid> {
    update_with(endpoint, new, old, now, validate_update)
}

/// [`update`] for a stored object whose request verified at create (`proof` is its
/// [`VerifiedDigest`]): the request is not verified again (see
/// [`validate_update_verified`](super::validate_update_verified)). The result equals [`update`]'s; a proof that is not the one
/// of `old.spec.request` is refused with [`UpdateError::ProofMismatch`].
pub fn update_verified(
    endpoint: Endpoint,
    new: CertificateSigningRequest,
    old: &CertificateSigningRequest,
    now: Timestamp,
    proof: &VerifiedDigest,
) -> Result<CertificateSigningRequest, UpdateError> {
    check_proof(old, proof)?;
    Ok(update_with(
        endpoint,
        new,
        old,
        now,
        validate_update_proven,
    )?)
}

/// Why [`update_verified`] refused an update.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// Validation failed: Kubernetes' `is invalid` rejection.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The proof is not the one of the stored request; nothing was validated.
    #[error(transparent)]
    ProofMismatch(#[from] ProofMismatch),
}

/// [`update`] for an object the control plane stored, done in place on `new`: it passed create
/// validation with its request verified, and no update changes a stored `spec` (every endpoint
/// resets it), so an unchanged spec is not validated again; a certificate from `certificate`'s
/// [`CertificateSource::InProcessSigner`] is not parsed again. `new` ends as [`update`]'s
/// result would be; the errors are [`update`]'s.
pub(crate) fn update_stored(
    endpoint: Endpoint,
    new: &mut CertificateSigningRequest,
    old: &CertificateSigningRequest,
    now: Timestamp,
    certificate: CertificateSource,
) -> Result<(), Invalid> {
    update_in_place(endpoint, new, old, now, |endpoint, new, old| {
        validate_update_stored(endpoint, new, old, certificate)
    })
}

fn update_with(
    endpoint: Endpoint,
    mut new: CertificateSigningRequest,
    old: &CertificateSigningRequest,
    now: Timestamp,
    validate: impl FnOnce(
        Endpoint,
        &CertificateSigningRequest,
        &CertificateSigningRequest,
    ) -> Vec<super::FieldError>,
) -> Result<CertificateSigningRequest, Invalid> {
    update_in_place(endpoint, &mut new, old, now, validate)?;
    Ok(new)
}

fn update_in_place(
    endpoint: Endpoint,
    new: &mut CertificateSigningRequest,
    old: &CertificateSigningRequest,
    now: Timestamp,
    validate: impl FnOnce(
        Endpoint,
        &CertificateSigningRequest,
        &CertificateSigningRequest,
    ) -> Vec<super::FieldError>,
) -> Result<(), Invalid> {
    prepare_for_update(endpoint, new, old, now);
    if new.metadata.uid.is_empty() {
        new.metadata.uid.clone_from(&old.metadata.uid);
    }
    if old.metadata.creation_timestamp.is_some() {
        new.metadata.creation_timestamp = old.metadata.creation_timestamp;
    }
    let errors = validate(endpoint, new, old);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid {
            name: new.metadata.name.clone(),
            errors,
        })
    }
}

fn preserve_condition_instances(
    new: &mut CertificateSigningRequest,
    old: &CertificateSigningRequest,
    t: &super::ConditionType,
) {
    let old_idx: Vec<usize> = indices_of(old, t);
    let new_idx: Vec<usize> = indices_of(new, t);
    if old_idx.len() != new_idx.len() {
        return;
    }
    for (o, n) in old_idx.into_iter().zip(new_idx) {
        if let (Some(src), Some(dst)) = (
            old.status.conditions.get(o),
            new.status.conditions.get_mut(n),
        ) {
            *dst = src.clone();
        }
    }
}

fn indices_of(csr: &CertificateSigningRequest, t: &super::ConditionType) -> Vec<usize> {
    csr.status
        .conditions
        .iter()
        .enumerate()
        .filter(|(_, c)| &c.type_ == t)
        .map(|(i, _)| i)
        .collect()
}

/// Kubernetes' `populateConditionTimestamps`.
fn populate_condition_timestamps(
    new: &mut CertificateSigningRequest,
    old: &CertificateSigningRequest,
    now: Timestamp,
) {
    for c in &mut new.status.conditions {
        if c.last_update_time.is_none() {
            c.last_update_time = Some(now);
        }
        if c.last_transition_time.is_none() {
            let carried = old.status.conditions.iter().find_map(|o| {
                (o.type_ == c.type_ && o.status == c.status)
                    .then_some(o.last_transition_time)
                    .flatten()
            });
            c.last_transition_time = Some(carried.unwrap_or(now));
        }
    }
}

/// The generic `ValidatePathSegmentName` pass that runs after the strategy's validation: a name
/// may not be `.` or `..` and may not contain `/` or `%`; a `generateName` may not contain them.
fn path_segment_errors(csr: &CertificateSigningRequest) -> Vec<super::FieldError> {
    use crate::field::{
        BadValue, FieldError, path_segment_name_errors, path_segment_prefix_errors,
    };
    let mut errors = Vec::new();
    let meta = &csr.metadata;
    if !meta.generate_name.is_empty() {
        for msg in path_segment_prefix_errors(&meta.generate_name) {
            errors.push(FieldError::invalid(
                "metadata.generateName",
                BadValue::String(meta.generate_name.clone()),
                msg,
            ));
        }
    }
    for msg in path_segment_name_errors(&meta.name) {
        errors.push(FieldError::invalid(
            "metadata.name",
            BadValue::String(meta.name.clone()),
            msg,
        ));
    }
    errors
}

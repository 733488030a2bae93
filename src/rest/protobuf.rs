//! `application/vnd.kubernetes.protobuf` request bodies, which kubectl 1.32 sends for typed
//! writes (`kubectl create clusterrolebinding`, `kubectl certificate approve`, `kubectl auth`):
//! the `k8s\0` envelope around a `runtime.Unknown`, and the messages of the objects this crate
//! serves, field numbers from k/k `staging/src/k8s.io/api/*/v1/generated.proto` and
//! `apimachinery/pkg/apis/meta/v1/generated.proto`.
//!
//! Only decoding: answers are JSON, which every client that sends protobuf also accepts.
//! Fields the crate's types do not model (`managedFields`, `ownerReferences`, …) are skipped.
//! Node bodies are not decoded (no client of this crate sends them as protobuf).

use crate::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionStatus, ConditionType,
    Usage,
};
use crate::meta::ObjectMeta;
use crate::rbac::{
    AggregationRule, BindingSubject, ClusterRole, ClusterRoleBinding, LabelSelector,
    LabelSelectorRequirement, PolicyRule, RoleRef,
};
use crate::time::Timestamp;

use super::body::{
    NonResourceAttributes, ResourceAttributes, SelfSubjectAccessReview, SelfSubjectReview,
};

/// The prefix of every Kubernetes protobuf document.
pub(crate) const MAGIC: [u8; 4] = *b"k8s\0";

/// A protobuf document's envelope: the type it names and the object's bytes.
pub(crate) struct Envelope<'a> {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) raw: &'a [u8],
}

/// Reads the `k8s\0` + `runtime.Unknown` envelope, with the API server's message for a missing
/// prefix.
pub(crate) fn envelope(data: &[u8]) -> Result<Envelope<'_>, String> {
    let Some(body) = data.strip_prefix(&MAGIC) else {
        return Err(
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
                .to_owned(),
        );
    };
    let mut env = Envelope {
        api_version: String::new(),
        kind: String::new(),
        raw: &[],
    };
    let mut r = Reader(body);
    while let Some((field, value)) = r.next()? {
        match (field, value) {
            (1, Value::Bytes(b)) => {
                let mut t = Reader(b);
                while let Some((f, v)) = t.next()? {
                    match (f, v) {
                        (1, Value::Bytes(s)) => env.api_version = text(s)?,
                        (2, Value::Bytes(s)) => env.kind = text(s)?,
                        _ => {}
                    }
                }
            }
            (2, Value::Bytes(b)) => env.raw = b,
            _ => {}
        }
    }
    Ok(env)
}

/// One field value on the wire.
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// A protobuf wire-format reader over a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for i in 0..10 {
            let (&b, rest) = self
                .0
                .split_first()
                .ok_or_else(|| "proto: unexpected end of data".to_owned())?;
            self.0 = rest;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("proto: integer overflow".to_owned())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err("proto: unexpected end of data".to_owned());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    /// The next field number and value; `None` at the end.
    fn next(&mut self) -> Result<Option<(u64, Value<'a>)>, String> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = key >> 3;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed
            }
            2 => {
                let n = usize::try_from(self.varint()?)
                    .map_err(|_| "proto: length out of range".to_owned())?;
                Value::Bytes(self.take(n)?)
            }
            5 => {
                self.take(4)?;
                Value::Fixed
            }
            w => return Err(format!("proto: illegal wireType {w} for field {field}")),
        };
        if field == 0 {
            return Err("proto: illegal tag 0".to_owned());
        }
        Ok(Some((field, value)))
    }
}

fn text(b: &[u8]) -> Result<String, String> {
    String::from_utf8(b.to_vec()).map_err(|_| "proto: invalid UTF-8 in string field".to_owned())
}

/// Calls `f` with each (field, bytes) of a message; varint fields go to `v`.
fn each<'a>(
    data: &'a [u8],
    mut f: impl FnMut(u64, &'a [u8]) -> Result<(), String>,
    mut v: impl FnMut(u64, u64),
) -> Result<(), String> {
    let mut r = Reader(data);
    while let Some((field, value)) = r.next()? {
        match value {
            Value::Bytes(b) => f(field, b)?,
            Value::Varint(x) => v(field, x),
            Value::Fixed => {}
        }
    }
    Ok(())
}

fn no_varints(_: u64, _: u64) {}

/// `metav1.Time`: seconds (1) and nanos (2); Kubernetes keeps whole seconds.
fn time(data: &[u8]) -> Result<Timestamp, String> {
    let mut seconds = 0u64;
    each(
        data,
        |_, _| Ok(()),
        |f, x| {
            if f == 1 {
                seconds = x;
            }
        },
    )?;
    // A varint int64 is the two's complement bit pattern.
    Ok(Timestamp::from_unix(seconds.cast_signed()))
}

/// A `map<string, string>` entry: key (1), value (2).
fn string_entry(data: &[u8]) -> Result<(String, String), String> {
    let (mut k, mut val) = (String::new(), String::new());
    each(
        data,
        |f, b| {
            match f {
                1 => k = text(b)?,
                2 => val = text(b)?,
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok((k, val))
}

fn object_meta(data: &[u8]) -> Result<ObjectMeta, String> {
    let mut m = ObjectMeta::default();
    each(
        data,
        |f, b| {
            match f {
                1 => m.name = text(b)?,
                2 => m.generate_name = text(b)?,
                3 => m.namespace = text(b)?,
                5 => m.uid = text(b)?,
                6 => m.resource_version = text(b)?,
                8 => m.creation_timestamp = Some(time(b)?),
                11 => {
                    let (k, v) = string_entry(b)?;
                    m.labels.insert(k, v);
                }
                12 => {
                    let (k, v) = string_entry(b)?;
                    m.annotations.insert(k, v);
                }
                14 => m.finalizers.push(text(b)?),
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok(m)
}

/// `certificates.k8s.io/v1` CertificateSigningRequest: metadata (1), spec (2), status (3).
pub(crate) fn certificate_signing_request(
    data: &[u8],
) -> Result<CertificateSigningRequest, String> {
    let mut csr = CertificateSigningRequest::default();
    each(
        data,
        |f, b| {
            match f {
                1 => csr.metadata = object_meta(b)?,
                2 => csr_spec(b, &mut csr)?,
                3 => csr_status(b, &mut csr)?,
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok(csr)
}

fn csr_spec(data: &[u8], csr: &mut CertificateSigningRequest) -> Result<(), String> {
    let spec = &mut csr.spec;
    let mut expiration = None;
    each(
        data,
        |f, b| {
            match f {
                1 => spec.request = b.to_vec(),
                2 => spec.username = text(b)?,
                3 => spec.uid = text(b)?,
                4 => spec.groups.push(text(b)?),
                5 => spec.usages.push(Usage::parse(&text(b)?)),
                6 => {
                    // map<string, ExtraValue>: key (1), value (2) = ExtraValue { items (1) }.
                    let (mut key, mut items) = (String::new(), Vec::new());
                    each(
                        b,
                        |f, b| {
                            match f {
                                1 => key = text(b)?,
                                2 => each(
                                    b,
                                    |f, b| {
                                        if f == 1 {
                                            items.push(text(b)?);
                                        }
                                        Ok(())
                                    },
                                    no_varints,
                                )?,
                                _ => {}
                            }
                            Ok(())
                        },
                        no_varints,
                    )?;
                    spec.extra.insert(key, items);
                }
                7 => spec.signer_name = text(b)?,
                _ => {}
            }
            Ok(())
        },
        |f, x| {
            if f == 8 {
                // int32 on the wire: the low 32 bits, sign-extended by the encoder.
                expiration = Some((x as u32).cast_signed());
            }
        },
    )?;
    if expiration.is_some() {
        spec.expiration_seconds = expiration;
    }
    Ok(())
}

fn csr_status(data: &[u8], csr: &mut CertificateSigningRequest) -> Result<(), String> {
    let status = &mut csr.status;
    each(
        data,
        |f, b| {
            match f {
                1 => {
                    let mut c = CertificateSigningRequestCondition::default();
                    each(
                        b,
                        |f, b| {
                            match f {
                                1 => c.type_ = ConditionType::parse(&text(b)?),
                                2 => c.reason = text(b)?,
                                3 => c.message = text(b)?,
                                4 => c.last_update_time = Some(time(b)?),
                                5 => c.last_transition_time = Some(time(b)?),
                                6 => c.status = ConditionStatus::from(text(b)?.as_str()),
                                _ => {}
                            }
                            Ok(())
                        },
                        no_varints,
                    )?;
                    status.conditions.push(c);
                }
                2 => status.certificate = b.to_vec(),
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )
}

/// `rbac.authorization.k8s.io/v1` ClusterRoleBinding: metadata (1), subjects (2), roleRef (3).
pub(crate) fn cluster_role_binding(data: &[u8]) -> Result<ClusterRoleBinding, String> {
    let mut crb = ClusterRoleBinding::default();
    each(
        data,
        |f, b| {
            match f {
                1 => crb.metadata = object_meta(b)?,
                2 => {
                    // Subject: kind (1), apiGroup (2), name (3), namespace (4).
                    let mut s = BindingSubject::user("");
                    s.kind.clear();
                    each(
                        b,
                        |f, b| {
                            match f {
                                1 => s.kind = text(b)?,
                                2 => s.api_group = text(b)?,
                                3 => s.name = text(b)?,
                                4 => s.namespace = text(b)?,
                                _ => {}
                            }
                            Ok(())
                        },
                        no_varints,
                    )?;
                    crb.subjects.push(s);
                }
                3 => {
                    // RoleRef: apiGroup (1), kind (2), name (3).
                    let mut r = RoleRef::default();
                    each(
                        b,
                        |f, b| {
                            match f {
                                1 => r.api_group = text(b)?,
                                2 => r.kind = text(b)?,
                                3 => r.name = text(b)?,
                                _ => {}
                            }
                            Ok(())
                        },
                        no_varints,
                    )?;
                    crb.role_ref = r;
                }
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok(crb)
}

/// `rbac.authorization.k8s.io/v1` ClusterRole: metadata (1), rules (2), aggregationRule (3).
pub(crate) fn cluster_role(data: &[u8]) -> Result<ClusterRole, String> {
    let mut role = ClusterRole::default();
    each(
        data,
        |f, b| {
            match f {
                1 => role.metadata = object_meta(b)?,
                2 => {
                    // PolicyRule: verbs (1), apiGroups (2), resources (3), resourceNames (4),
                    // nonResourceURLs (5).
                    let mut rule = PolicyRule::default();
                    each(
                        b,
                        |f, b| {
                            let list = match f {
                                1 => &mut rule.verbs,
                                2 => &mut rule.api_groups,
                                3 => &mut rule.resources,
                                4 => &mut rule.resource_names,
                                5 => &mut rule.non_resource_urls,
                                _ => return Ok(()),
                            };
                            list.push(text(b)?);
                            Ok(())
                        },
                        no_varints,
                    )?;
                    role.rules.push(rule);
                }
                3 => {
                    let mut rule = AggregationRule::default();
                    each(
                        b,
                        |f, b| {
                            if f == 1 {
                                rule.cluster_role_selectors.push(label_selector(b)?);
                            }
                            Ok(())
                        },
                        no_varints,
                    )?;
                    role.aggregation_rule = Some(rule);
                }
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok(role)
}

/// `metav1.LabelSelector`: matchLabels (1), matchExpressions (2: key 1, operator 2, values 3).
fn label_selector(data: &[u8]) -> Result<LabelSelector, String> {
    let mut s = LabelSelector::default();
    each(
        data,
        |f, b| {
            match f {
                1 => {
                    let (k, v) = string_entry(b)?;
                    s.match_labels.insert(k, v);
                }
                2 => {
                    let mut r = LabelSelectorRequirement::default();
                    each(
                        b,
                        |f, b| {
                            match f {
                                1 => r.key = text(b)?,
                                2 => r.operator = text(b)?,
                                3 => r.values.push(text(b)?),
                                _ => {}
                            }
                            Ok(())
                        },
                        no_varints,
                    )?;
                    s.match_expressions.push(r);
                }
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok(s)
}

/// `authorization.k8s.io/v1` SelfSubjectAccessReview: metadata (1), spec (2:
/// resourceAttributes 1, nonResourceAttributes 2).
pub(crate) fn self_subject_access_review(data: &[u8]) -> Result<SelfSubjectAccessReview, String> {
    let mut review = SelfSubjectAccessReview::default();
    each(
        data,
        |f, b| {
            match f {
                1 => review.metadata = object_meta(b)?,
                2 => each(
                    b,
                    |f, b| {
                        match f {
                            1 => review.spec.resource_attributes = Some(resource_attributes(b)?),
                            2 => {
                                let mut n = NonResourceAttributes::default();
                                each(
                                    b,
                                    |f, b| {
                                        match f {
                                            1 => n.path = text(b)?,
                                            2 => n.verb = text(b)?,
                                            _ => {}
                                        }
                                        Ok(())
                                    },
                                    no_varints,
                                )?;
                                review.spec.non_resource_attributes = Some(n);
                            }
                            _ => {}
                        }
                        Ok(())
                    },
                    no_varints,
                )?,
                _ => {}
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok(review)
}

/// `ResourceAttributes`: namespace (1), verb (2), group (3), version (4), resource (5),
/// subresource (6), name (7).
fn resource_attributes(data: &[u8]) -> Result<ResourceAttributes, String> {
    let mut a = ResourceAttributes::default();
    each(
        data,
        |f, b| {
            let field = match f {
                1 => &mut a.namespace,
                2 => &mut a.verb,
                3 => &mut a.group,
                4 => &mut a.version,
                5 => &mut a.resource,
                6 => &mut a.subresource,
                7 => &mut a.name,
                _ => return Ok(()),
            };
            *field = text(b)?;
            Ok(())
        },
        no_varints,
    )?;
    Ok(a)
}

/// `authentication.k8s.io/v1` SelfSubjectReview: metadata (1); its status is the server's.
pub(crate) fn self_subject_review(data: &[u8]) -> Result<SelfSubjectReview, String> {
    let mut review = SelfSubjectReview::default();
    each(
        data,
        |f, b| {
            if f == 1 {
                review.metadata = object_meta(b)?;
            }
            Ok(())
        },
        no_varints,
    )?;
    Ok(review)
}

//! Object metadata (`metav1.ObjectMeta`) shared by every API object the crate models.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::time::Timestamp;

/// `metav1.ObjectMeta`: the fields a user of CSRs and RBAC objects sees, in Go's field order,
/// empty ones omitted; any other metadata field (`managedFields`, `ownerReferences`, …) is kept
/// as JSON so an object read from the API server writes back unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// The object's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The prefix the server completes with five random characters when `name` is empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub generate_name: String,
    /// The namespace of a Role or RoleBinding; empty for cluster-scoped objects (CSRs,
    /// ClusterRoles, ClusterRoleBindings).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// The server-assigned unique id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The storage version, opaque to clients.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// When the server stored the object (`null` in JSON reads as absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Timestamp>,
    /// Labels.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
    /// Finalizers.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub finalizers: Vec<String>,
    /// Every other metadata field (`managedFields`, `ownerReferences`, …), kept as JSON.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl ObjectMeta {
    /// Metadata with just a name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Metadata with a namespace and a name.
    pub fn namespaced(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: namespace.into(),
            ..Self::default()
        }
    }
}

/// JSON `null` reads as the empty value, as Go's decoder leaves a nil map or slice.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

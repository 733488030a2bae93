//! Responses: objects, lists, `Status` objects and watch event lines, as kube-apiserver writes
//! them in JSON.

use serde::Serialize;

use super::Response;
use super::resource::Resource;
use crate::api::Status;

/// An object answer: `code` (200, or 201 for a create) and the object's JSON.
///
/// The object is written as its type serializes it; the crate's CSR and Node types write
/// `kind` and `apiVersion` when they are set, so a server sets them before answering.
pub fn object<T: Serialize + ?Sized>(code: u16, object: &T) -> Response {
    // The crate's wire types are strings, numbers, maps with string keys and JSON values: they
    // always serialize.
    Response::json(code, serde_json::to_vec(object).unwrap_or_default())
}

/// A list answer: `{"kind":"<Kind>List","apiVersion":…,"metadata":{"resourceVersion":…},
/// "items":[…]}`, with `metadata.continue` when a continue token is given.
///
/// ```
/// use kube_tls_bootstrap::rest::{list, Resource};
/// use kube_tls_bootstrap::node::Node;
/// let r = list(Resource::Nodes, "42", None, &[Node::new("node-1")]);
/// assert_eq!(
///     String::from_utf8(r.body).unwrap(),
///     r#"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[{"kind":"Node","apiVersion":"v1","metadata":{"name":"node-1"},"spec":{},"status":{}}]}"#
/// );
/// ```
pub fn list<T: Serialize>(
    resource: Resource,
    resource_version: &str,
    continue_token: Option<&str>,
    items: &[T],
) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ListMeta<'a> {
        resource_version: &'a str,
        #[serde(rename = "continue", skip_serializing_if = "Option::is_none")]
        continue_token: Option<&'a str>,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct List<'a, T> {
        kind: String,
        api_version: &'static str,
        metadata: ListMeta<'a>,
        items: &'a [T],
    }
    object(
        200,
        &List {
            kind: resource.list_kind(),
            api_version: resource.group_version().api_version(),
            metadata: ListMeta {
                resource_version,
                continue_token,
            },
            items,
        },
    )
}

/// A `Status` answer, with its own code.
pub fn status(status: &Status) -> Response {
    Response::json(status.code, status.to_json())
}

/// The type of a watch event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum EventType {
    /// The object was created, or existed when the watch started.
    Added,
    /// The object changed.
    Modified,
    /// The object was deleted; the event carries its last state.
    Deleted,
    /// A bookmark: only `metadata.resourceVersion` of the object matters.
    Bookmark,
    /// The watch failed; the object is a `Status`.
    Error,
}

/// One watch event as kube-apiserver streams it in JSON: `{"type":"ADDED","object":{…}}` and a
/// newline, one per chunk of the chunked response.
///
/// ```
/// use kube_tls_bootstrap::rest::{watch_event, EventType};
/// use kube_tls_bootstrap::node::Node;
/// assert_eq!(
///     watch_event(EventType::Added, &Node::new("n")),
///     b"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Node\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"},\"spec\":{},\"status\":{}}}\n"
/// );
/// ```
pub fn watch_event<T: Serialize + ?Sized>(event: EventType, object: &T) -> Vec<u8> {
    #[derive(Serialize)]
    struct Event<'a, T: ?Sized> {
        #[serde(rename = "type")]
        type_: EventType,
        object: &'a T,
    }
    // As in `object`: the crate's wire types always serialize.
    let mut line = serde_json::to_vec(&Event {
        type_: event,
        object,
    })
    .unwrap_or_default();
    line.push(b'\n');
    line
}

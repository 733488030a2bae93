//! Reading RBAC objects from what `kubectl get -o yaml|json` and manifest files hold: a
//! multi-document YAML stream, a `List` (any object with `items`), a JSON array, or one object.

use crate::go;
use serde::Deserialize;
use serde_json::Value;

use super::objects::{ClusterRole, ClusterRoleBinding, Object, Role, RoleBinding};

/// How deep `List`s and arrays may nest before the input is refused.
const MAX_DEPTH: usize = 8;

/// The RBAC objects read from a manifest, in order, with the API server's defaults applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifests {
    /// The Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, in document order.
    pub objects: Vec<Object>,
    /// Objects of other kinds that were skipped, one line each.
    pub warnings: Vec<String>,
}

/// A manifest that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The input is not valid JSON (it starts with `{` or `[`).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The input is not valid YAML.
    #[error("invalid YAML in document {document}{}: {message}", position(*line, *column))]
    Yaml {
        /// 1-based index of the YAML document.
        document: usize,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What the parser said.
        message: String,
    },
    /// An element is not an object of the shape its `kind` needs.
    #[error("document {document}, {path}: {message}")]
    Object {
        /// 1-based index of the document (of the value, in a JSON stream).
        document: usize,
        /// Where in the document: `(root)`, `items[3]`, `[2].items[0]`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        _ => String::new(),
    }
}

/// Reads RBAC objects from `input` as kubectl reads a manifest: a leading UTF-8 byte order mark
/// is dropped; then JSON when it starts with `{` or `[` (one value or a stream of concatenated
/// values, each counted as a document), else a YAML stream of one or more documents. Objects of other kinds are skipped with a warning; empty documents
/// are ignored.
///
/// ```
/// use kube_tls_bootstrap::rbac::{Object, parse_manifests};
/// let m = parse_manifests("kind: ClusterRole\nmetadata: {name: r}\nrules: []\n---\n\
///     kind: ConfigMap\nmetadata: {name: c}\n").unwrap();
/// assert!(matches!(&m.objects[..], [Object::ClusterRole(r)] if r.metadata.name == "r"));
/// assert_eq!(m.warnings, [r#"skipping object of kind "ConfigMap" (name "c")"#]);
/// ```
pub fn parse_manifests(input: &str) -> Result<Manifests, ManifestError> {
    let mut out = Manifests::default();
    // kubectl drops a UTF-8 byte order mark before deciding between JSON and YAML.
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let trimmed = input.trim_start_matches([' ', '\t', '\r', '\n']);
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // One value, or kubectl's stream of concatenated objects (`-o json` of several).
        let stream = serde_json::Deserializer::from_str(input).into_iter::<Value>();
        for (i, value) in stream.enumerate() {
            let value = value.map_err(|e| ManifestError::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
            add_value(&mut out, value, i + 1, &mut String::new(), 0)?;
        }
        return Ok(out);
    }
    for (i, document) in serde_norway::Deserializer::from_str(input).enumerate() {
        let number = i + 1;
        let value = Value::deserialize(document).map_err(|e| {
            let location = e.location();
            ManifestError::Yaml {
                document: number,
                line: location.as_ref().map(serde_norway::Location::line),
                column: location.as_ref().map(serde_norway::Location::column),
                message: e.to_string(),
            }
        })?;
        if value.is_null() {
            continue;
        }
        add_value(&mut out, value, number, &mut String::new(), 0)?;
    }
    Ok(out)
}

fn add_value(
    out: &mut Manifests,
    value: Value,
    document: usize,
    path: &mut String,
    depth: usize,
) -> Result<(), ManifestError> {
    let error = |path: &str, message: String| ManifestError::Object {
        document,
        path: if path.is_empty() {
            "(root)".to_owned()
        } else {
            path.to_owned()
        },
        message,
    };
    if depth > MAX_DEPTH {
        return Err(error(path, "lists nested too deeply".to_owned()));
    }
    let mut object = match value {
        Value::Array(items) => return add_items(out, items, document, path, depth),
        Value::Object(map) => map,
        other => {
            return Err(error(
                path,
                format!("expected an object, found {}", json_type(&other)),
            ));
        }
    };
    let kind = match object.get("kind") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(error(
                path,
                format!("kind: expected a string, found {}", json_type(other)),
            ));
        }
    };
    let items = object.remove("items");
    if kind.ends_with("List") || items.as_ref().is_some_and(|v| !v.is_null()) {
        return match items {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Array(items)) => {
                let at = path.len();
                path.push_str(if at == 0 { "items" } else { ".items" });
                let r = add_items(out, items, document, path, depth);
                path.truncate(at);
                r
            }
            Some(other) => Err(error(
                path,
                format!("items: expected an array, found {}", json_type(&other)),
            )),
        };
    }
    let value = Value::Object(object);
    let decoded = match kind.as_str() {
        "Role" => Role::deserialize(value).map(Object::Role),
        "ClusterRole" => ClusterRole::deserialize(value).map(Object::ClusterRole),
        "RoleBinding" => RoleBinding::deserialize(value).map(Object::RoleBinding),
        "ClusterRoleBinding" => {
            ClusterRoleBinding::deserialize(value).map(Object::ClusterRoleBinding)
        }
        _ => {
            let name = value
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            out.warnings.push(format!(
                "skipping object of kind {} (name {})",
                go::quote(&kind),
                go::quote(name)
            ));
            return Ok(());
        }
    };
    let mut decoded = decoded.map_err(|e| error(path, format!("{kind}: {e}")))?;
    decoded.apply_defaults();
    out.objects.push(decoded);
    Ok(())
}

fn add_items(
    out: &mut Manifests,
    items: Vec<Value>,
    document: usize,
    path: &mut String,
    depth: usize,
) -> Result<(), ManifestError> {
    for (i, item) in items.into_iter().enumerate() {
        let at = path.len();
        path.push_str(&format!("[{i}]"));
        let r = add_value(out, item, document, path, depth + 1);
        path.truncate(at);
        r?;
    }
    Ok(())
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_arrays_and_streams() {
        let json = r#"[{"kind":"ClusterRole","metadata":{"name":"a"}},
            {"kind":"List","items":[{"kind":"RoleBinding","metadata":{"name":"b","namespace":"n"},
              "roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"u"}]}]}]"#;
        let m = parse_manifests(json).unwrap();
        assert_eq!(m.objects.len(), 2);
        let Object::RoleBinding(b) = &m.objects[1] else {
            panic!("{m:?}")
        };
        assert_eq!(b.role_ref.api_group, "rbac.authorization.k8s.io");
        assert_eq!(b.subjects[0].api_group, "rbac.authorization.k8s.io");
        let yaml = "---\n---\nkind: Role\nmetadata:\n  name: r\n  namespace: n\n";
        assert_eq!(parse_manifests(yaml).unwrap().objects.len(), 1);
    }

    #[test]
    fn reads_what_kubectl_reads() {
        let bom_yaml = "\u{feff}kind: ClusterRole\nmetadata:\n  name: a\n";
        assert_eq!(parse_manifests(bom_yaml).unwrap().objects.len(), 1);
        let stream = "\u{feff}{\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"a\"}}\n\
            {\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"b\"}}\n";
        assert_eq!(parse_manifests(stream).unwrap().objects.len(), 2);
        let e = parse_manifests("\n\n{\"kind\":\"Role\"}\n{\"kind\": }").unwrap_err();
        assert_eq!(
            e,
            ManifestError::Json {
                line: 4,
                column: 10,
                message: "expected value at line 4 column 10".into()
            }
        );
        let e = parse_manifests("{\"kind\":\"Role\"}\n[5]").unwrap_err();
        assert_eq!(
            e.to_string(),
            "document 2, [0]: expected an object, found a number"
        );
        assert_eq!(parse_manifests("").unwrap(), Manifests::default());
    }

    #[test]
    fn errors_say_where() {
        assert!(matches!(
            parse_manifests("{\"kind\": }"),
            Err(ManifestError::Json {
                line: 1,
                column: 10,
                ..
            })
        ));
        let e = parse_manifests(r#"{"kind":"List","items":[{"kind":"Role"},5]}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "document 1, items[1]: expected an object, found a number"
        );
        let e = parse_manifests("kind: Role\n---\nkind: ClusterRole\nrules: 3\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("document 2, (root): ClusterRole: invalid type: integer `3`"),
            "{e}"
        );
        let e = parse_manifests("a: [\n").unwrap_err();
        assert!(
            matches!(e, ManifestError::Yaml { document: 1, .. }),
            "{e:?}"
        );
        let deep = format!("{}{}", "[".repeat(12), "]".repeat(12));
        assert_eq!(
            parse_manifests(&deep).unwrap_err().to_string(),
            "document 1, [0][0][0][0][0][0][0][0][0]: lists nested too deeply"
        );
    }
}

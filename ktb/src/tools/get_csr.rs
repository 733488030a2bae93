//! `get-csr`: the table `kubectl get csr` prints for a `kubectl get csr -o json|yaml` document
//! (one object, a `CertificateSigningRequestList` or kubectl's `List`) at a given instant.
//!
//! An empty list prints kubectl's `No resources found` on standard error and nothing on
//! standard output. A field that is not valid base64 (`spec.request`, `status.certificate`) is
//! named with its path.
//!
//! Exit status: 0 when the table was printed, 1 when the document could not be read, 2 on a
//! usage error.

use std::io::Write;

use base64::Engine as _;
use kube_tls_bootstrap::csr::{CertificateSigningRequest, DecodeError, decode_document, kubectl};
use kube_tls_bootstrap::time::Timestamp;
use serde::Deserialize as _;
use serde_json::Value;

use super::common::{Failure, as_u64, read_or_fail};

/// The one-line usage.
pub(crate) const USAGE: &str = "usage: get_csr --now RFC3339 FILE";

/// What to read and when.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    /// The instant the AGE column is computed at.
    pub(crate) now: Timestamp,
    /// The document (`-` is standard input).
    pub(crate) file: String,
}

/// Prints the table; the exit status.
pub(crate) fn run(
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let file = &options.file;
    let bytes = read_or_fail(file, 1)?;
    let csrs = read_document(file, &bytes)?;
    if csrs.is_empty() {
        writeln!(err, "No resources found")?;
        return Ok(0);
    }
    write!(out, "{}", kubectl::get_table(&csrs, options.now))?;
    Ok(0)
}

/// The CSRs of a `kubectl get csr -o json|yaml` document read from `file`, or the failure
/// naming the file and the place or field.
pub(crate) fn read_document(
    file: &str,
    bytes: &[u8],
) -> Result<Vec<CertificateSigningRequest>, Failure> {
    let json = to_json(file, bytes)?;
    decode_document(&json).map_err(|e| decode_failure(file, bytes, &json, &e))
}

/// The document as JSON. JSON (what starts with `{` after blanks and a byte order mark) as
/// given, or several concatenated JSON objects (kubectl's stream) as a `List`; YAML converted,
/// several documents (`---`) as a `List` of them.
fn to_json(file: &str, bytes: &[u8]) -> Result<Vec<u8>, Failure> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let mut documents = Vec::new();
    if first == Some(&b'{') || first.is_none() {
        for value in serde_json::Deserializer::from_slice(bytes).into_iter::<Value>() {
            match value {
                Ok(value) => documents.push(value),
                // One document: the CSR decoder reports its errors with their places.
                Err(_) if documents.is_empty() => return Ok(bytes.to_vec()),
                Err(e) => {
                    return Err(Failure::input(
                        file,
                        Some(as_u64(e.line())),
                        Some(as_u64(e.column())),
                        format!("invalid JSON: {}", without_position(&e.to_string())),
                        1,
                    ));
                }
            }
        }
        if documents.len() <= 1 {
            return Ok(bytes.to_vec());
        }
    } else {
        for (i, document) in serde_norway::Deserializer::from_slice(bytes).enumerate() {
            let value = Value::deserialize(document).map_err(|e| {
                let location = e.location();
                Failure::input(
                    file,
                    location.as_ref().map(|l| as_u64(l.line())),
                    location.as_ref().map(|l| as_u64(l.column())),
                    format!("invalid YAML in document {}: {e}", i + 1),
                    1,
                )
            })?;
            if !value.is_null() {
                documents.push(value);
            }
        }
    }
    let document = match documents.len() {
        1 => documents.pop().unwrap_or_default(),
        _ => serde_json::json!({"apiVersion": "v1", "kind": "List", "items": documents}),
    };
    serde_json::to_vec(&document).map_err(|e| Failure::input(file, None, None, e, 1))
}

/// serde_json's message without its ` at line L column C` tail (the place is printed first).
fn without_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

/// The decoding error with its place: the field path when a base64 field is at fault (found by
/// walking the document), else the line and column (of the original text when it was JSON).
fn decode_failure(file: &str, original: &[u8], json: &[u8], error: &DecodeError) -> Failure {
    if let Ok(document) = serde_json::from_slice::<Value>(json)
        && let Some((path, message)) = bad_base64(&document)
    {
        return Failure::input(file, None, None, format!("{path}: {message}"), 1);
    }
    match error {
        DecodeError::Json {
            line,
            column,
            message,
        } if original == json => {
            let message = without_position(message);
            Failure::input(file, Some(as_u64(*line)), Some(as_u64(*column)), message, 1)
        }
        other => Failure::input(file, None, None, other, 1),
    }
}

/// The first `spec.request` or `status.certificate` that is not standard base64, as
/// `items[2].spec.request` (no `items[i].` for a single object) and the decoder's message.
fn bad_base64(document: &Value) -> Option<(String, String)> {
    let check = |prefix: String, object: &Value| {
        [("spec", "request"), ("status", "certificate")]
            .into_iter()
            .find_map(|(outer, field)| {
                let text = object.get(outer)?.get(field)?.as_str()?;
                let e = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .err()?;
                Some((
                    format!("{prefix}{outer}.{field}"),
                    format!("invalid base64: {e}"),
                ))
            })
    };
    match document.get("items").and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| check(format!("items[{i}]."), item)),
        None => check(String::new(), document),
    }
}

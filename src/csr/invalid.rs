//! The API server's `is invalid` rejection of a CertificateSigningRequest.

use std::fmt;

use crate::field::{FieldError, aggregate};
use crate::go;

/// The API server's rejection of an object: `<Kind>.<group> "<name>" is invalid: <errors>`.
///
/// The errors are listed as Go's `ToAggregate` does: duplicates (by message) dropped, one error
/// printed alone, several in `[…]` separated by `, `.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Invalid {
    /// The object's name (possibly generated).
    pub name: String,
    /// Every failure, in Kubernetes' order.
    pub errors: Vec<FieldError>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CertificateSigningRequest.certificates.k8s.io {} is invalid: {}",
            go::quote(&self.name),
            aggregate(&self.errors)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_the_api_server() {
        let inv = Invalid {
            name: "csr-1".into(),
            errors: vec![FieldError::required("a", "")],
        };
        assert_eq!(
            inv.to_string(),
            r#"CertificateSigningRequest.certificates.k8s.io "csr-1" is invalid: a: Required value"#
        );
    }
}

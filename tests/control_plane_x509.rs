//! kube-apiserver's x509 authenticator over a CA bundle and intermediates the client sends
//! (`x509.Verify` with `Roots` = `--client-ca-file` and `Intermediates` = the rest of the TLS
//! chain): a path must lead from the leaf through valid CA intermediates to a CA of the bundle.
#![allow(clippy::unwrap_used)]

use kube_tls_bootstrap::control_plane::authenticate_client_certificate;
use kube_tls_bootstrap::pki::Certificate;
use kube_tls_bootstrap::pki::certificate::parse_certificates_pem;
use kube_tls_bootstrap::time::{Instant, Timestamp};

fn load(pem: &[u8]) -> Certificate {
    parse_certificates_pem(pem).unwrap().remove(0)
}

fn root() -> Certificate {
    load(include_bytes!("data/pki/chain/root.crt"))
}

fn intermediate() -> Certificate {
    load(include_bytes!("data/pki/chain/intermediate.crt"))
}

fn leaf() -> Certificate {
    load(include_bytes!("data/pki/chain/leaf.crt"))
}

fn test_ca() -> Certificate {
    load(include_bytes!("data/pki/corpus/ca/ca.crt"))
}

fn now() -> Instant {
    Instant::from(Timestamp::parse_rfc3339("2027-06-01T00:00:00Z").unwrap())
}

fn verify(chain: &[&Certificate], roots: &[Certificate]) -> Result<String, String> {
    let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.der().to_vec()).collect();
    match authenticate_client_certificate(&chain, roots, now()) {
        Ok(Some(user)) => Ok(format!("{} {:?}", user.name, user.groups)),
        Ok(None) => Ok("anonymous".to_owned()),
        Err(e) => Err(e.to_string().rsplit("failed: ").next().unwrap().to_owned()),
    }
}

const NODE_9: &str = r#"system:node:node-9 ["system:nodes", "system:authenticated"]"#;
const UNKNOWN: &str = "x509: certificate signed by unknown authority";

#[test]
fn a_leaf_reaches_the_bundle_through_the_intermediate_it_sends() {
    let (root, intermediate, leaf) = (root(), intermediate(), leaf());
    assert!(root.is_ca() && intermediate.is_ca() && !leaf.is_ca());
    assert_eq!(
        verify(&[&leaf, &intermediate], std::slice::from_ref(&root)),
        Ok(NODE_9.into())
    );
    // The bundle may hold several CAs; the order does not matter.
    assert_eq!(
        verify(&[&leaf, &intermediate], &[test_ca(), root.clone()]),
        Ok(NODE_9.into())
    );
    // The intermediate itself in the bundle is a root too.
    assert_eq!(
        verify(&[&leaf], std::slice::from_ref(&intermediate)),
        Ok(NODE_9.into())
    );
    // Extra certificates the client sends are ignored when a path exists.
    assert_eq!(
        verify(
            &[&leaf, &test_ca(), &root, &intermediate],
            std::slice::from_ref(&root)
        ),
        Ok(NODE_9.into())
    );
}

#[test]
fn no_path_to_the_bundle_is_an_unknown_authority() {
    let (root, intermediate, leaf) = (root(), intermediate(), leaf());
    // Without the intermediate.
    assert_eq!(
        verify(&[&leaf], std::slice::from_ref(&root)),
        Err(UNKNOWN.into())
    );
    // Through a certificate that is not a CA (same subject and key, CA:FALSE).
    let not_ca = load(include_bytes!("data/pki/chain/intermediate-not-ca.crt"));
    assert!(!not_ca.is_ca());
    assert_eq!(
        verify(&[&leaf, &not_ca], std::slice::from_ref(&root)),
        Err(UNKNOWN.into())
    );
    // To another CA.
    assert_eq!(
        verify(&[&leaf, &intermediate], &[test_ca()]),
        Err(UNKNOWN.into())
    );
    // An empty bundle.
    assert_eq!(verify(&[&leaf, &intermediate], &[]), Err(UNKNOWN.into()));
    // Bytes that are not a certificate after the leaf are not intermediates.
    let chain = vec![leaf.der().to_vec(), b"not a certificate".to_vec()];
    assert!(authenticate_client_certificate(&chain, &[root], now()).is_err());
}

#[test]
fn an_intermediate_outside_its_validity_is_not_a_path() {
    let short_lived = load(include_bytes!("data/pki/chain/short-lived.crt"));
    let leaf = load(include_bytes!("data/pki/chain/leaf-of-short-lived.crt"));
    let chain = [leaf.der().to_vec(), short_lived.der().to_vec()];
    // While the intermediate is valid the path holds.
    let inside = Instant::from(short_lived.not_after());
    assert!(
        authenticate_client_certificate(&chain, &[root()], inside)
            .unwrap()
            .is_some()
    );
    // The leaf is valid for years, the intermediate for a day.
    assert_eq!(
        verify(&[&leaf, &short_lived], &[root()]),
        Err(UNKNOWN.into())
    );
}

/// The bytes of `tests/data/pki/chain/<name>`.
fn chain_data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/pki/chain/{name}", env!("CARGO_MANIFEST_DIR"));
    #[allow(clippy::disallowed_methods)] // test data
    std::fs::read(path).unwrap()
}

fn chain_file(name: &str) -> Certificate {
    load(&chain_data(name))
}

#[test]
fn an_issuer_must_match_by_name_and_by_key() {
    // A CA with the root's name and another key signed neither the intermediate nor, through
    // it, the leaf.
    let impostor = chain_file("impostor-root.crt");
    assert_eq!(impostor.subject_der(), root().subject_der());
    assert_eq!(
        verify(&[&leaf(), &intermediate()], std::slice::from_ref(&impostor)),
        Err(UNKNOWN.into())
    );
    // And the impostor's own leaf does not reach the real root.
    let its_leaf = chain_file("any-usage-leaf.crt");
    assert_eq!(verify(&[&its_leaf], &[root()]), Err(UNKNOWN.into()));
}

#[test]
fn any_extended_key_usage_passes_and_server_auth_alone_does_not() {
    let impostor = chain_file("impostor-root.crt");
    assert_eq!(
        verify(
            &[&chain_file("any-usage-leaf.crt")],
            std::slice::from_ref(&impostor)
        ),
        Ok(NODE_9.into())
    );
    assert_eq!(
        verify(&[&chain_file("server-only-leaf.crt")], &[impostor]),
        Err("x509: certificate specifies an incompatible key usage".into())
    );
}

#[test]
fn the_leaf_is_valid_from_not_before_through_not_after_inclusive() {
    let (root, intermediate, leaf) = (root(), intermediate(), leaf());
    let chain = [leaf.der().to_vec(), intermediate.der().to_vec()];
    let at = |t: Instant| {
        authenticate_client_certificate(&chain, std::slice::from_ref(&root), t)
            .map(|u| u.map(|u| u.name))
            .map_err(|e| e.to_string())
    };
    let (nb, na) = (
        Instant::from(leaf.not_before()),
        Instant::from(leaf.not_after()),
    );
    let node = Ok(Some("system:node:node-9".to_owned()));
    assert_eq!(at(nb), node);
    assert_eq!(at(na), node);
    let second = kube_tls_bootstrap::time::Duration::from_secs(1);
    let prefix = "verifying certificate SN=";
    let before = at(nb - second).unwrap_err();
    assert!(before.starts_with(prefix), "{before}");
    assert!(
        before.ends_with(
            " failed: x509: certificate has expired or is not yet valid: current time \
             2026-12-02T13:08:09Z is before 2026-12-02T13:08:10Z"
        ),
        "{before}"
    );
    let after = at(na + second).unwrap_err();
    assert!(
        after.ends_with(
            " failed: x509: certificate has expired or is not yet valid: current time \
             2032-05-24T13:08:11Z is after 2032-05-24T13:08:10Z"
        ),
        "{after}"
    );
}

#[test]
fn a_path_holds_at_most_four_intermediates() {
    let root = chain_file("deep-root.crt");
    let intermediates = parse_certificates_pem(&chain_data("deep-intermediates.pem")).unwrap();
    assert_eq!(intermediates.len(), 5);
    let all: Vec<&Certificate> = intermediates.iter().collect();
    // deep-leaf-4 → deep-4 → … → deep-1 → root: four intermediates.
    let leaf4 = chain_file("deep-leaf-4.crt");
    let mut chain = vec![&leaf4];
    chain.extend(&all);
    assert_eq!(
        verify(&chain, std::slice::from_ref(&root)),
        Ok(NODE_9.into())
    );
    // One more is past the limit, whatever the client sends.
    let leaf5 = chain_file("deep-leaf-5.crt");
    let mut chain = vec![&leaf5];
    chain.extend(&all);
    assert_eq!(
        verify(&chain, std::slice::from_ref(&root)),
        Err(UNKNOWN.into())
    );
    // With deep-1 in the bundle the same path needs only four.
    assert_eq!(
        verify(&chain, std::slice::from_ref(&intermediates[0])),
        Ok(NODE_9.into())
    );
}

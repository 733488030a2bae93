//! `ktb inspect-csr` on openssl-made CSRs: the API server's create path stage by stage, with
//! its exact messages, the signer's reason, and the usages hashed into the `node-csr-` name.

mod common;

use common::{expect, ktb};

#[test]
fn a_kubelet_csr_passes_every_stage_with_a_current_kubelets_usages() {
    expect(
        &ktb(&["inspect-csr", "kubelet.csr"]),
        "kubelet.csr
  api server: accepted
  validation: ok
  admission: ok
  kubelet client check: ok
  kubelet serving check: DNS or IP subjectAltName is required
  signer kubernetes.io/kube-apiserver-client-kubelet: would sign
  subject: CN=\"system:node:node-1\" O=[\"system:nodes\"]
  key: ecdsa-p256
  name: node-csr-FqySK9jqIrP8ZLISPM2VjioizGOcPc4GPhLwBRiz_0g (hashed with usages: digital signature, client auth)
",
        "",
        0,
    );
    expect(
        &ktb(&["inspect-csr", "--legacy-usages", "kubelet-rsa.csr"]),
        "kubelet-rsa.csr
  api server: accepted
  validation: ok
  admission: ok
  kubelet client check: ok
  kubelet serving check: DNS or IP subjectAltName is required
  signer kubernetes.io/kube-apiserver-client-kubelet: would sign
  subject: CN=\"system:node:node-2\" O=[\"system:nodes\"]
  key: rsa-2048
  name: node-csr-9jayfWltuX_JfBOhtlHXkgu3FktAn2UNJa5atL4-7sc (hashed with usages: digital signature, key encipherment, client auth)
",
        "",
        0,
    );
}

#[test]
fn system_masters_to_the_client_signer_is_forbidden_by_admission() {
    let forbidden = "certificatesigningrequests.certificates.k8s.io \\\"node-csr-W9B754FymaBPCzkeaIhxx0IiYB59BlVMHu22p1C2NL0\\\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed";
    expect(
        &ktb(&[
            "inspect-csr",
            "--json",
            "--signer",
            "kubernetes.io/kube-apiserver-client",
            "--usages=client auth,digital signature",
            "masters.csr",
        ]),
        &format!(
            "{{\"file\": \"masters.csr\", \"api\": {{\"accepted\": false, \"reason\": \"Forbidden\", \"message\": \"{forbidden}\"}}, \"kubelet_client\": {{\"ok\": false, \"message\": \"subject organization is not system:nodes\"}}, \"kubelet_serving\": {{\"ok\": false, \"message\": \"subject organization is not system:nodes\"}}, \"name\": \"node-csr-W9B754FymaBPCzkeaIhxx0IiYB59BlVMHu22p1C2NL0\", \"subject\": {{\"cn\": \"admin\", \"o\": [\"system:masters\"]}}, \"key\": \"ecdsa-p256\", \"validation\": {{\"ok\": true, \"message\": null}}, \"admission\": {{\"ok\": false, \"message\": \"{forbidden}\"}}, \"signer\": {{\"name\": \"kubernetes.io/kube-apiserver-client\", \"would_sign\": false, \"reason\": \"the API server refuses the request, so no signer ever sees it\"}}, \"name_usages\": [\"client auth\", \"digital signature\"]}}\n"
        ),
        "",
        1,
    );
}

#[test]
fn invalid_signer_names_and_duplicate_usages_are_refused_by_validation() {
    let invalid = "CertificateSigningRequest.certificates.k8s.io \"node-csr-c3dtNY2Zgvy64YleDwafz-qXIN0KunrHUUXT-YVm1H0\" is invalid: [spec.usages[1]: Duplicate value: \"client auth\", spec.signerName: Invalid value: \"bogus\": must be a fully qualified domain and path of the form 'example.com/signer-name']";
    expect(
        &ktb(&["inspect-csr", "--signer", "bogus", "--usages", "client auth,client auth", "kubelet.csr"]),
        &format!(
            "kubelet.csr
  api server: refused (Invalid): {invalid}
  validation: {invalid}
  admission: not reached
  kubelet client check: usages did not match [client auth digital signature key encipherment]
  kubelet serving check: DNS or IP subjectAltName is required
  signer bogus: would not sign: unrecognized signerName: \"bogus\"
  subject: CN=\"system:node:node-1\" O=[\"system:nodes\"]
  key: ecdsa-p256
  name: node-csr-c3dtNY2Zgvy64YleDwafz-qXIN0KunrHUUXT-YVm1H0 (hashed with usages: client auth, client auth)
"
        ),
        "",
        1,
    );
}

#[test]
fn the_signers_own_text_says_why_it_would_not_sign() {
    let run = ktb(&[
        "inspect-csr",
        "masters.csr",
        "--signer=kubernetes.io/kubelet-serving",
    ]);
    assert_eq!(run.status, Some(1));
    assert!(
        run.stdout.contains(
            "  signer kubernetes.io/kubelet-serving: would not sign: SignerValidationFailure: subject organization is not system:nodes\n"
        ),
        "{}",
        run.stdout
    );
    expect(
        &ktb(&["inspect-csr", "not-a-csr.pem"]),
        "not-a-csr.pem
  api server: refused (Invalid): CertificateSigningRequest.certificates.k8s.io \"csr-bcdfg\" is invalid: spec.request: Invalid value: []byte{0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x43, 0x53, 0x52, 0xa}: PEM block type must be CERTIFICATE REQUEST
  validation: CertificateSigningRequest.certificates.k8s.io \"csr-bcdfg\" is invalid: spec.request: Invalid value: []byte{0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x43, 0x53, 0x52, 0xa}: PEM block type must be CERTIFICATE REQUEST
  admission: not reached
  signer kubernetes.io/kube-apiserver-client-kubelet: would not sign: the request does not parse: PEM block type must be CERTIFICATE REQUEST
",
        "",
        1,
    );
}

#[test]
fn usage_and_input_errors() {
    // An unreadable file is reported; the others are still inspected.
    let run = ktb(&["inspect-csr", "missing.csr", "kubelet.csr"]);
    assert_eq!(
        run.stderr,
        "ktb inspect-csr: missing.csr: no such file or directory\n"
    );
    assert!(
        run.stdout
            .starts_with("kubelet.csr\n  api server: accepted\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.status, Some(1));
    let run = ktb(&[
        "inspect-csr",
        "--usages",
        "client auth",
        "--legacy-usages",
        "kubelet.csr",
    ]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr.starts_with(
            "error: the argument '--usages <USAGES>' cannot be used with '--legacy-usages'"
        ),
        "{}",
        run.stderr
    );
}

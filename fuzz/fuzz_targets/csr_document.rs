//! `ktb get-csr`'s document reader (JSON, kubectl's JSON stream, YAML, several YAML documents)
//! never panics; what it reads prints as a table; a failure names the file it read.
#![no_main]
#![allow(dead_code)]

use kube_tls_bootstrap::csr::kubectl;
use kube_tls_bootstrap::time::Timestamp;
use libfuzzer_sys::fuzz_target;

#[path = "../../ktb/src/tools/common.rs"]
mod common;
#[path = "../../ktb/src/tools/get_csr.rs"]
mod get_csr;

fuzz_target!(|data: &[u8]| {
    match get_csr::read_document("doc", data) {
        Ok(csrs) => {
            let table = kubectl::get_table(&csrs, Timestamp::from_unix(1_750_000_000));
            assert_eq!(
                table.lines().count(),
                if csrs.is_empty() { 0 } else { csrs.len() + 1 }
            );
        }
        Err(common::Failure::Input { message, status }) => {
            assert!(message.starts_with("doc"), "{message}");
            assert_eq!(status, 1);
        }
        Err(other) => panic!("unexpected failure {other:?}"),
    }
});

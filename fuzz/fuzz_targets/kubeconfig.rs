//! Kubeconfig bytes → parse (YAML or JSON). Nothing may panic; whatever parses writes back to
//! YAML that parses to an equal config, and resolving it never panics.
#![no_main]

use kube_tls_bootstrap::kubeconfig::Kubeconfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(config) = Kubeconfig::parse(data) else {
        return;
    };
    let _ = config.client_config();
    let _ = config.referenced_files();
    let yaml = config.to_yaml();
    let back = Kubeconfig::parse(yaml.as_bytes());
    assert_eq!(back.as_ref(), Ok(&config), "{yaml}");
    let _ = format!("{config:?}");
});

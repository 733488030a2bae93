//! kubectl's offline resource resolution never panics; a built-in answer is in the table and
//! resolves to itself by its plural, `plural.group` and `plural.version.group`; a custom answer
//! is never in a built-in group; an unknown name's warning names what was asked.
#![no_main]

use kube_tls_bootstrap::rbac::resources::{BUILT_IN_RESOURCES, ResolvedResource, resolve};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(argument) = std::str::from_utf8(data) else {
        return;
    };
    match resolve(argument) {
        Ok(ResolvedResource::BuiltIn(t)) => {
            assert!(BUILT_IN_RESOURCES.contains(t));
            let again = |s: String| resolve(&s).expect("a built-in name resolves");
            assert_eq!(again(t.resource.to_owned()).resource(), t.resource);
            if !t.group.is_empty() {
                let by_group = again(format!("{}.{}", t.resource, t.group));
                assert_eq!(by_group, ResolvedResource::BuiltIn(t));
                let full = again(format!("{}.{}.{}", t.resource, t.version, t.group));
                assert_eq!(full, ResolvedResource::BuiltIn(t));
            }
        }
        Ok(ResolvedResource::All) => assert_eq!(argument, "*"),
        Ok(ResolvedResource::Custom {
            group, resource, ..
        }) => {
            assert!(!BUILT_IN_RESOURCES.iter().any(|t| t.group == group));
            assert!(!resource.is_empty() && !group.is_empty());
        }
        Err(unknown) => {
            let lower = argument.to_ascii_lowercase();
            assert!(lower.starts_with(&unknown.resource));
            assert!(
                unknown
                    .kubectl_warning()
                    .starts_with("the server doesn't have a resource type '")
            );
        }
    }
});
